/**
 * The linter is itself tested: each kind of mistake it exists to catch is planted in a small
 * template and must be reported, naming the stack, the logical id and the path; a correct
 * template must pass clean. Without this, a linter that silently checks nothing would pass
 * every template test.
 */
import { describe, expect, it } from "vitest";
import { objectTypes, propertyAt, resourceType } from "./support/cfn-spec.js";
import { lintTemplate, subVariables } from "./support/template-lint.js";

type Template = { Resources: Record<string, unknown> } & Record<string, unknown>;

/** A correct template touching nested property types, every intrinsic the linter resolves, conditions and outputs. */
function goodTemplate(): Template {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: "lint fixture",
    Parameters: {
      VpcId: { Type: "String" },
      SubnetIds: { Type: "CommaDelimitedList" },
      Retain: { Type: "String", Default: "false" },
    },
    Conditions: {
      ShouldRetain: { "Fn::Equals": [{ Ref: "Retain" }, "true"] },
      ShouldNotRetain: { "Fn::Not": [{ Condition: "ShouldRetain" }] },
    },
    Resources: {
      Bucket: {
        Type: "AWS::S3::Bucket",
        DeletionPolicy: "Retain",
        UpdateReplacePolicy: "Retain",
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
          },
          VersioningConfiguration: { "Fn::If": ["ShouldRetain", { Status: "Enabled" }, { Ref: "AWS::NoValue" }] },
          Tags: [{ Key: "Project", Value: "fixture" }],
        },
      },
      BucketPolicy: {
        Type: "AWS::S3::BucketPolicy",
        Properties: {
          Bucket: { Ref: "Bucket" },
          PolicyDocument: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [{ "Fn::GetAtt": ["Bucket", "Arn"] }, { "Fn::Sub": "${Bucket.Arn}/*" }],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          },
        },
      },
      Group: {
        Type: "AWS::EC2::SecurityGroup",
        Condition: "ShouldNotRetain",
        Properties: {
          GroupDescription: "fixture",
          VpcId: { Ref: "VpcId" },
          SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: 8000, ToPort: 8000, CidrIp: "10.0.0.0/16" }],
        },
      },
      TaskDefinition: {
        Type: "AWS::ECS::TaskDefinition",
        DependsOn: ["Bucket"],
        Properties: {
          Cpu: "256",
          Memory: "512",
          NetworkMode: "awsvpc",
          RequiresCompatibilities: ["FARGATE"],
          ContainerDefinitions: [
            {
              Name: "app",
              Image: { "Fn::Sub": ["${Repo}:latest", { Repo: { "Fn::Join": ["", [{ Ref: "AWS::AccountId" }, ".dkr.ecr"]] } }] },
              PortMappings: [{ ContainerPort: 8000, Protocol: "tcp" }],
              Environment: [
                { Name: "BUCKET", Value: { Ref: "Bucket" } },
                { Name: "LITERAL", Value: { "Fn::Sub": "price: ${!NotAVariable} in ${AWS::Region}" } },
              ],
            },
          ],
        },
      },
    },
    Outputs: {
      BucketArn: { Value: { "Fn::GetAtt": "Bucket.Arn" }, Export: { Name: { "Fn::Sub": "${AWS::StackName}-BucketArn" } } },
      FirstSubnet: { Value: { "Fn::Select": [0, { Ref: "SubnetIds" }] } },
    },
  };
}

/** The good template with one change applied. */
function withChange(change: (t: Template) => void): Template {
  const t = goodTemplate();
  change(t);
  return t;
}

const resources = (t: Template) => t.Resources as Record<string, { Type: string; Properties: Record<string, any> } & Record<string, any>>;

describe("the service spec", () => {
  it("knows resource types, their attributes and nested property types, with required flags", () => {
    const bucket = resourceType("AWS::S3::Bucket");
    expect(bucket?.attributes).toContain("Arn");
    expect(bucket?.properties.BucketEncryption?.required).toBe(false);
    expect(propertyAt("AWS::S3::Bucket", ["BucketEncryption", "ServerSideEncryptionConfiguration", "ServerSideEncryptionByDefault", "SSEAlgorithm"])?.required).toBe(true);
    expect(propertyAt("AWS::ECS::TaskDefinition", ["ContainerDefinitions", "PortMappings", "ContainerPort"])?.type.kind).toBe("integer");
    expect(propertyAt("AWS::IAM::Role", ["AssumeRolePolicyDocument"])?.required).toBe(true);
    expect(resourceType("AWS::S3::Buckett")).toBeUndefined();
    expect(resourceType("AWS::Cognito::UserPool")?.tagging).toEqual({ property: "UserPoolTags", variant: "map" });
  });

  it("resolves recursive property types without looping", () => {
    // WAFv2 statements nest statements inside statements.
    const rule = propertyAt("AWS::WAFv2::WebACL", ["Rules", "Statement", "AndStatement", "Statements", "NotStatement", "Statement"]);
    expect(rule).toBeDefined();
    expect(rule!.types.flatMap(objectTypes).length).toBeGreaterThan(0);
  });
});

describe("lintTemplate", () => {
  it("passes a correct template", () => {
    expect(lintTemplate(goodTemplate(), { stack: "fixture", parameters: ["VpcId", "SubnetIds"] })).toEqual([]);
  });

  it("reports an unknown resource type, suggesting the near miss", () => {
    const problems = lintTemplate(withChange((t) => (resources(t).Bucket!.Type = "AWS::S3::Buckett")), { stack: "fixture" });
    expect(problems).toEqual([expect.stringMatching(/^fixture Bucket Type: unknown resource type AWS::S3::Buckett \(did you mean AWS::S3::Bucket/)]);
  });

  it("reports an unknown top-level property", () => {
    const problems = lintTemplate(withChange((t) => (resources(t).Group!.Properties.GroupName_ = "x")), { stack: "fixture" });
    expect(problems).toEqual([expect.stringContaining("fixture Group Properties.GroupName_: unknown property of AWS::EC2::SecurityGroup")]);
  });

  it("reports an unknown property deep inside nested property types", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).Bucket!.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault = { SSEAlgorythm: "AES256" };
        resources(t).TaskDefinition!.Properties.ContainerDefinitions[0].PortMappings[0] = { ContainerPort: 8000, Protocl: "tcp" };
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual(
      expect.stringContaining(
        "fixture Bucket Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorythm: unknown property of ServerSideEncryptionByDefault (did you mean SSEAlgorithm?)",
      ),
    );
    // The misspelling also leaves the required SSEAlgorithm missing.
    expect(problems).toContainEqual(expect.stringContaining("ServerSideEncryptionByDefault: missing required property SSEAlgorithm"));
    expect(problems).toContainEqual(
      expect.stringContaining("fixture TaskDefinition Properties.ContainerDefinitions[0].PortMappings[0].Protocl: unknown property of PortMapping"),
    );
    expect(problems).toHaveLength(3);
  });

  it("checks both branches of Fn::If for shape", () => {
    const problems = lintTemplate(
      withChange((t) => (resources(t).Bucket!.Properties.VersioningConfiguration["Fn::If"][1] = { Sttus: "Enabled" })),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual(expect.stringContaining("Properties.VersioningConfiguration.Fn::If[1].Sttus: unknown property"));
  });

  it("reports values of the wrong shape", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).Bucket!.Properties.BucketEncryption = "AES256";
        resources(t).Group!.Properties.SecurityGroupIngress = { IpProtocol: "tcp" };
        resources(t).TaskDefinition!.Properties.ContainerDefinitions[0].PortMappings[0].ContainerPort = "eight thousand";
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual(expect.stringContaining("Bucket Properties.BucketEncryption: expected an object (BucketEncryption)"));
    expect(problems).toContainEqual(expect.stringContaining("Group Properties.SecurityGroupIngress: expected a list"));
    expect(problems).toContainEqual(expect.stringContaining("PortMappings[0].ContainerPort: expected a integer"));
  });

  it("names the misspelt property inside a string-or-object union, not just \"expected a string\"", () => {
    const problems = lintTemplate(
      withChange((t) => {
        t.Transform = "AWS::Serverless-2016-10-31";
        resources(t).Function = { Type: "AWS::Serverless::Function", Properties: { CodeUri: { Bucket: "b", Keyy: "k" } } };
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual(expect.stringContaining("fixture Function Properties.CodeUri.Keyy: unknown property"));
    expect(problems.some((p) => p.includes("CodeUri: expected a string"))).toBe(false);
  });

  it("reports missing required properties, at the top and nested", () => {
    const problems = lintTemplate(
      withChange((t) => {
        delete resources(t).Group!.Properties.GroupDescription;
        delete resources(t).TaskDefinition!.Properties.ContainerDefinitions[0].Name;
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual("fixture Group Properties: missing required property GroupDescription of AWS::EC2::SecurityGroup");
    expect(problems).toContainEqual(expect.stringContaining("fixture TaskDefinition Properties.ContainerDefinitions[0]: missing required property Name of ContainerDefinition"));
  });

  it("does not check the inside of JSON-typed properties or of intrinsic values for shape", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).BucketPolicy!.Properties.PolicyDocument.Anything = { Goes: ["here"] };
        resources(t).Group!.Properties.SecurityGroupIngress = { "Fn::Split": [",", "a,b"] };
      }),
    );
    expect(problems).toEqual([]);
  });

  it("reports a dangling Ref, in properties, in JSON-typed properties and in outputs", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).Group!.Properties.VpcId = { Ref: "Vpc" };
        resources(t).BucketPolicy!.Properties.PolicyDocument.Statement[0].Resource = [{ Ref: "OtherBucket" }];
        (t.Outputs as any).FirstSubnet.Value = { Ref: "AWS::Regoin" };
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual("fixture Group Properties.VpcId.Ref: Ref Vpc: not a parameter, resource or pseudo parameter of this template");
    expect(problems).toContainEqual(expect.stringMatching(/^fixture BucketPolicy Properties\.PolicyDocument\.Statement\[0\]\.Resource\[0\]\.Ref: Ref OtherBucket/));
    expect(problems).toContainEqual(expect.stringMatching(/^fixture Outputs\.FirstSubnet Value\.Ref: Ref AWS::Regoin/));
    expect(problems).toHaveLength(3);
  });

  it("accepts every pseudo parameter", () => {
    const pseudo = ["AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::StackId", "AWS::URLSuffix", "AWS::NotificationARNs"];
    const t = withChange((t) => {
      t.Outputs = Object.fromEntries(pseudo.map((p, i) => [`Out${i}`, { Value: { Ref: p } }]));
    });
    expect(lintTemplate(t)).toEqual([]);
  });

  it("reports a dangling GetAtt: missing resource, parameter target, attribute the type lacks", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).BucketPolicy!.Properties.PolicyDocument.Statement[0].Resource = [
          { "Fn::GetAtt": ["Buckets", "Arn"] },
          { "Fn::GetAtt": ["Bucket", "ARN"] },
          { "Fn::GetAtt": ["VpcId", "Arn"] },
        ];
        (t.Outputs as any).BucketArn.Value = { "Fn::GetAtt": "Bucket.Url" };
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual(expect.stringContaining("fixture BucketPolicy Properties.PolicyDocument.Statement[0].Resource[0].Fn::GetAtt: Fn::GetAtt Buckets.Arn: Buckets is not a resource"));
    expect(problems).toContainEqual(expect.stringContaining("Resource[1].Fn::GetAtt: Fn::GetAtt Bucket.ARN: AWS::S3::Bucket has no attribute ARN"));
    expect(problems).toContainEqual(expect.stringContaining("Resource[2].Fn::GetAtt: Fn::GetAtt VpcId.Arn: VpcId is a parameter"));
    expect(problems).toContainEqual(expect.stringContaining("fixture Outputs.BucketArn Value.Fn::GetAtt: Fn::GetAtt Bucket.Url: AWS::S3::Bucket has no attribute Url"));
    expect(problems).toHaveLength(4);
  });

  it("reports bad Fn::Sub variables, honouring ${!Literal} and the variable map", () => {
    expect(subVariables("a ${X} b ${!Y} c ${Z.Arn}")).toEqual(["X", "Z.Arn"]);
    const problems = lintTemplate(
      withChange((t) => {
        const env = resources(t).TaskDefinition!.Properties.ContainerDefinitions[0].Environment;
        env.push({ Name: "A", Value: { "Fn::Sub": "${Bucket.Arnn}/*" } });
        env.push({ Name: "B", Value: { "Fn::Sub": "${Nope}-${AWS::Region}-${!Escaped}" } });
        env.push({ Name: "C", Value: { "Fn::Sub": ["${Mine}-${Other}", { Mine: "x" }] } });
        env.push({ Name: "D", Value: { "Fn::Sub": ["${Mine}", { Mine: { Ref: "Missing" } }] } });
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual(expect.stringContaining("Environment[2].Value.Fn::Sub ${Bucket.Arnn}: Fn::GetAtt Bucket.Arnn: AWS::S3::Bucket has no attribute Arnn"));
    expect(problems).toContainEqual(expect.stringContaining("Environment[3].Value.Fn::Sub: Fn::Sub variable ${Nope} is not"));
    expect(problems).toContainEqual(expect.stringContaining("Environment[4].Value.Fn::Sub: Fn::Sub variable ${Other} is not"));
    expect(problems).toContainEqual(expect.stringContaining("Environment[5].Value.Fn::Sub[1].Mine.Ref: Ref Missing"));
    expect(problems).toHaveLength(4);
  });

  it("reports DependsOn targets and conditions that do not exist, and unknown intrinsics", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).TaskDefinition!.DependsOn = ["Bucket", "Bucket2", "TaskDefinition"];
        resources(t).Group!.Condition = "IsProd";
        resources(t).Bucket!.Properties.VersioningConfiguration["Fn::If"][0] = "Retaining";
        (t.Conditions as any).ShouldNotRetain = { "Fn::Not": [{ Condition: "Missing" }] };
        (t.Outputs as any).FirstSubnet.Value = { "Fn::Joinn": ["", []] };
      }),
      { stack: "fixture" },
    );
    expect(problems).toContainEqual("fixture TaskDefinition DependsOn: Bucket2 is not a resource of this template");
    expect(problems).toContainEqual("fixture TaskDefinition DependsOn: a resource cannot depend on itself");
    expect(problems).toContainEqual(expect.stringContaining('fixture Group Condition: condition "IsProd" is not declared'));
    expect(problems).toContainEqual(expect.stringContaining('fixture Bucket Properties.VersioningConfiguration.Fn::If: condition "Retaining" is not declared'));
    expect(problems).toContainEqual(expect.stringContaining('fixture Conditions.ShouldNotRetain Fn::Not[0]: condition "Missing"'));
    expect(problems).toContainEqual(expect.stringContaining("fixture Outputs.FirstSubnet Value.Fn::Joinn: unknown intrinsic function"));
    expect(problems).toHaveLength(6);
  });

  it("reports misspelt resource attributes and parameters the deployer does not supply", () => {
    const problems = lintTemplate(
      withChange((t) => {
        resources(t).Group!.Propertes = resources(t).Group!.Properties;
      }),
      { stack: "fixture", parameters: ["VpcId", "ImageUri"] },
    );
    expect(problems).toContainEqual(expect.stringContaining("fixture Group Propertes: unknown resource attribute"));
    expect(problems).toContainEqual("fixture Parameters.ImageUri: is supplied by the deployer but not declared by the template");
    expect(problems).toContainEqual("fixture Parameters.SubnetIds: has no Default and is not supplied by the deployer");
  });
});
