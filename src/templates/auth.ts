import type { Environment } from "../env/model.js";
import { getAtt, policyDocument, ref, sub, type Json, type Resource } from "./cfn.js";
import { dataProtection, defineStack, stackTags, tagList } from "./stack.js";

const ACCESS_TOKEN_MINUTES = 60;
const ID_TOKEN_MINUTES = 60;
const REFRESH_TOKEN_DAYS = 30;

/**
 * Only identities of this pool, in the given authentication state, may assume the role. Without
 * the `aud` condition any identity pool in any account could hand out these credentials.
 */
function cognitoTrust(amr: "authenticated" | "unauthenticated"): Json {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: "cognito-identity.amazonaws.com" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { "cognito-identity.amazonaws.com:aud": ref("IdentityPool") },
        "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": amr },
      },
    },
  ]);
}

function userPool(env: Environment): Resource {
  return {
    Type: "AWS::Cognito::UserPool",
    ...dataProtection(env),
    Properties: {
      UserPoolName: `${env.project}-${env.name}-users`,
      UsernameAttributes: ["email"],
      // Otherwise Bob@example.com and bob@example.com could be two different users.
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ["email"],
      // Keep signing in with the old address until the new one is verified.
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ["email"] },
      Schema: [{ Name: "email", AttributeDataType: "String", Required: true, Mutable: true }],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireUppercase: true,
          RequireLowercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 7,
        },
      },
      // TOTP needs no SMS role or spend; users may opt in.
      MfaConfiguration: "OPTIONAL",
      EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
      // An MCP server's users are invited operators, not the public.
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: "verified_email", Priority: 1 }] },
      // Retain alone does not stop a console or API delete; this does.
      DeletionProtection: env.retainData ? "ACTIVE" : "INACTIVE",
      UserPoolTags: stackTags(env),
    },
  };
}

function userPoolClient(env: Environment): Resource {
  return {
    Type: "AWS::Cognito::UserPoolClient",
    Properties: {
      UserPoolId: ref("UserPool"),
      ClientName: `${env.project}-${env.name}-api`,
      // Public clients (CLIs, browsers) cannot keep a secret; SRP keeps the password off the wire instead.
      GenerateSecret: false,
      // The MCP server signs users in server-side with AdminInitiateAuth (ADMIN_USER_PASSWORD_AUTH) and
      // answers MFA and new-password challenges with AdminRespondToAuthChallenge, as its task role allows;
      // the admin flow needs IAM credentials, so holding this public client id alone does not unlock it.
      // Public clients keep SRP. ALLOW_USER_PASSWORD_AUTH stays off: it would take passwords from anyone.
      ExplicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      SupportedIdentityProviders: ["COGNITO"],
      PreventUserExistenceErrors: "ENABLED",
      AccessTokenValidity: ACCESS_TOKEN_MINUTES,
      IdTokenValidity: ID_TOKEN_MINUTES,
      RefreshTokenValidity: REFRESH_TOKEN_DAYS,
      TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes", RefreshToken: "days" },
      EnableTokenRevocation: true,
    },
  };
}

function identityPool(env: Environment): Resource {
  return {
    Type: "AWS::Cognito::IdentityPool",
    Properties: {
      // Identity pool names historically allow only word characters and spaces.
      IdentityPoolName: `${env.project}_${env.name}`.replace(/[^A-Za-z0-9_]/g, "_"),
      // Guest credentials serve no use case here; see UnauthenticatedRole.
      AllowUnauthenticatedIdentities: false,
      // The basic flow skips the role attachment and lets clients call STS directly; only the enhanced flow is needed.
      AllowClassicFlow: false,
      CognitoIdentityProviders: [
        // Server-side check rejects tokens of users who signed out or were disabled.
        { ClientId: ref("UserPoolClient"), ProviderName: getAtt("UserPool", "ProviderName"), ServerSideTokenCheck: true },
      ],
      IdentityPoolTags: tagList(env),
    },
  };
}

export const authStack = defineStack({
  id: "auth",
  description: "Cognito user pool, API client, identity pool and its roles",
  inputs: {},
  statefulResources: ["UserPool"],
  body: (env) => ({
    resources: {
      UserPool: userPool(env),
      UserPoolClient: userPoolClient(env),
      IdentityPool: identityPool(env),
      // No permissions yet: the MCP server authorizes users by their JWT and calls AWS with its own
      // task role. Grant scoped statements here only when a client needs direct AWS access.
      AuthenticatedRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          Description: "Assumed by signed-in identities of the identity pool",
          AssumeRolePolicyDocument: cognitoTrust("authenticated"),
          Tags: tagList(env),
        },
      },
      // Unauthenticated identities are disabled on the pool, so this role cannot be assumed today. It
      // exists so the attachment is complete, and AWSDenyAll keeps it powerless even if guest access is
      // switched on or someone later attaches an Allow policy.
      UnauthenticatedRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          Description: "Guest role of the identity pool; guest access is disabled and this role denies everything",
          AssumeRolePolicyDocument: cognitoTrust("unauthenticated"),
          ManagedPolicyArns: [sub("arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll")],
          Tags: tagList(env),
        },
      },
      IdentityPoolRoleAttachment: {
        Type: "AWS::Cognito::IdentityPoolRoleAttachment",
        Properties: {
          IdentityPoolId: ref("IdentityPool"),
          Roles: { authenticated: getAtt("AuthenticatedRole", "Arn"), unauthenticated: getAtt("UnauthenticatedRole", "Arn") },
        },
      },
    },
    outputs: {
      UserPoolId: { value: ref("UserPool"), description: "Cognito user pool id" },
      UserPoolArn: { value: getAtt("UserPool", "Arn"), description: "Cognito user pool ARN" },
      UserPoolClientId: { value: ref("UserPoolClient"), description: "App client id (no secret) for the API" },
      IdentityPoolId: { value: ref("IdentityPool"), description: "Cognito identity pool id" },
      AuthenticatedRoleArn: { value: getAtt("AuthenticatedRole", "Arn"), description: "Role assumed by signed-in identities" },
    },
  }),
});
