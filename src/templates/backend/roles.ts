/**
 * The two roles of the task. The execution role is what ECS itself uses to start the task
 * (pull the image, ship logs, resolve secrets); the task role is what the application code gets.
 * Both are inline least-privilege policies scoped to this environment's resources.
 */
import { repositoryName, type Environment } from "../../env/model.js";
import { assumedBy, join, policyDocument, sub, type Resource } from "../cfn.js";
import { tagList } from "../stack.js";
import { ID, type Param } from "./shared.js";

const ECS_TASKS = "ecs-tasks.amazonaws.com";

/**
 * Replaces AmazonECSTaskExecutionRolePolicy, which grants image pulls from every repository
 * and writes to every log group in the account.
 */
export function executionRole(env: Environment, param: Param): Resource {
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      Description: `Starts ${env.project} ${env.name} backend tasks: image pull, logs, secrets`,
      AssumeRolePolicyDocument: assumedBy(ECS_TASKS),
      Policies: [
        {
          PolicyName: "start-task",
          PolicyDocument: policyDocument([
            // GetAuthorizationToken has no resource-level permissions: IAM only accepts "*" for it.
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
              Sid: "PullServiceImage",
              Effect: "Allow",
              Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
              Resource: sub(`arn:\${AWS::Partition}:ecr:\${AWS::Region}:\${AWS::AccountId}:repository/${repositoryName(env)}`),
            },
            {
              // The log group's GetAtt Arn already ends in ":*", so it covers the group's streams.
              Sid: "WriteServiceLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: param("LogGroupArn"),
            },
            {
              // The full ARN (with its random suffix) is configured, so no "-??????" wildcard is needed.
              // A secret encrypted with a customer-managed KMS key would also need kms:Decrypt on that key.
              Sid: "ReadAppSecret",
              Effect: "Allow",
              Action: "secretsmanager:GetSecretValue",
              Resource: param("SecretsArn"),
            },
          ]),
        },
      ],
      Tags: tagList(env),
    },
  };
}

/** What the MCP server may do at runtime: its own bucket and its own user pool, nothing else. */
export function taskRole(env: Environment, param: Param): Resource {
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      Description: `Runtime permissions of the ${env.project} ${env.name} MCP server`,
      AssumeRolePolicyDocument: assumedBy(ECS_TASKS),
      Policies: [
        {
          PolicyName: "app-data-and-auth",
          PolicyDocument: policyDocument([
            { Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: param("BucketArn") },
            {
              Sid: "ReadWriteObjects",
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
              Resource: join("", [param("BucketArn"), "/*"]),
            },
            {
              // Server-side sign-in (ADMIN_USER_PASSWORD_AUTH, which the auth stack's app client allows) and
              // user lookups; verifying JWTs needs only the pool's public JWKS.
              Sid: "ManageOwnUserPool",
              Effect: "Allow",
              Action: [
                "cognito-idp:AdminGetUser",
                "cognito-idp:AdminInitiateAuth",
                "cognito-idp:AdminRespondToAuthChallenge",
                "cognito-idp:AdminListGroupsForUser",
                "cognito-idp:ListUsers",
                "cognito-idp:DescribeUserPool",
                "cognito-idp:DescribeUserPoolClient",
              ],
              Resource: param("UserPoolArn"),
            },
          ]),
        },
      ],
      Tags: tagList(env),
    },
  };
}

export function roles(env: Environment, param: Param): Record<string, Resource> {
  return { [ID.executionRole]: executionRole(env, param), [ID.taskRole]: taskRole(env, param) };
}
