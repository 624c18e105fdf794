/**
 * The Fargate task: one container running the Python MCP server image on the container port,
 * configured by environment variables and by two secrets resolved by ECS at start.
 */
import { CONTAINER_PORT, HEALTH_CHECK_PATH, type Environment } from "../../env/model.js";
import { AWS, getAtt, join, type Json, type Resource } from "../cfn.js";
import { tagList } from "../stack.js";
import { CONTAINER_NAME, ID, type Param } from "./shared.js";

/** Keys of the JSON secret at env.secretsArn (parameter SecretsArn) that the container receives as variables. */
const SECRET_KEYS = ["DATABASE_PASSWORD", "API_KEY"] as const;

/** The image is python:3.12-slim, which has no curl; urlopen raises (exit 1) on errors and non-2xx. */
const HEALTH_CHECK_COMMAND = `python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:${CONTAINER_PORT}${HEALTH_CHECK_PATH}', timeout=4)" || exit 1`;

function environmentVariables(env: Environment, param: Param): Json {
  const variables: Record<string, Json> = {
    API_HOST: "0.0.0.0",
    API_PORT: String(CONTAINER_PORT),
    LOG_LEVEL: env.logLevel,
    ALERT_DATA_PATH: "/app/data",
    PYTHONPATH: "/app/src",
    AWS_REGION: AWS.region,
    S3_BUCKET_NAME: param("BucketName"),
    COGNITO_USER_POOL_ID: param("UserPoolId"),
    COGNITO_CLIENT_ID: param("UserPoolClientId"),
    // The seed's "Cognito authentication settings": the server exchanges tokens for identity pool credentials.
    COGNITO_IDENTITY_POOL_ID: param("IdentityPoolId"),
    COGNITO_REGION: AWS.region,
    ENVIRONMENT: env.name,
  };
  return Object.entries(variables).map(([Name, Value]) => ({ Name, Value }));
}

function container(env: Environment, param: Param): Json {
  return {
    Name: CONTAINER_NAME,
    Image: param("ImageUri"),
    Essential: true,
    PortMappings: [{ ContainerPort: CONTAINER_PORT, Protocol: "tcp" }],
    Environment: environmentVariables(env, param),
    // ECS reads one JSON key of the secret per variable ("<arn>:<key>::"), so values never enter the template.
    // The ARN is a parameter: it names an account, which differs per team and person, and templates/ must not.
    Secrets: SECRET_KEYS.map((key) => ({ Name: key, ValueFrom: join("", [param("SecretsArn"), `:${key}::`]) })),
    HealthCheck: { Command: ["CMD-SHELL", HEALTH_CHECK_COMMAND], Interval: 30, Timeout: 5, Retries: 3, StartPeriod: 60 },
    // Left writable on purpose: the app keeps working files under ALERT_DATA_PATH (/app/data) and
    // Python may write elsewhere; a read-only root needs an audit of every write path first. Nothing
    // there is durable either way: the bucket is the store.
    ReadonlyRootFilesystem: false,
    LogConfiguration: {
      LogDriver: "awslogs",
      Options: { "awslogs-group": param("LogGroupName"), "awslogs-region": AWS.region, "awslogs-stream-prefix": CONTAINER_NAME },
    },
  };
}

export function taskDefinition(env: Environment, param: Param): Resource {
  return {
    Type: "AWS::ECS::TaskDefinition",
    Properties: {
      Family: `${env.project}-backend-${env.name}`,
      NetworkMode: "awsvpc",
      RequiresCompatibilities: ["FARGATE"],
      Cpu: String(env.cpu),
      Memory: String(env.memoryMiB),
      RuntimePlatform: { OperatingSystemFamily: "LINUX", CpuArchitecture: "X86_64" },
      ExecutionRoleArn: getAtt(ID.executionRole, "Arn"),
      TaskRoleArn: getAtt(ID.taskRole, "Arn"),
      ContainerDefinitions: [container(env, param)],
      Tags: tagList(env),
    },
  };
}
