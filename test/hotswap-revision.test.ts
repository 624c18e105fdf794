import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { parseDuration } from "../src/duration.js";
import { nextRevision } from "../src/orchestrator/hotswap/revision.js";

/** As DescribeTaskDefinition returns a revision CloudFormation registered (ECS API reference, TaskDefinition). */
const running: TaskDefinition = {
  taskDefinitionArn: "arn:aws:ecs:us-east-2:123456789012:task-definition/alert-engine-backend-dev:3",
  family: "alert-engine-backend-dev",
  revision: 3,
  status: "ACTIVE",
  taskRoleArn: "arn:aws:iam::123456789012:role/task",
  executionRoleArn: "arn:aws:iam::123456789012:role/execution",
  networkMode: "awsvpc",
  requiresCompatibilities: ["FARGATE"],
  compatibilities: ["EC2", "FARGATE"],
  requiresAttributes: [{ name: "com.amazonaws.ecs.capability.logging-driver.awslogs" }],
  cpu: "512",
  memory: "1024",
  runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
  registeredAt: new Date("2026-12-01T10:00:00Z"),
  registeredBy: "arn:aws:sts::123456789012:assumed-role/deployer",
  containerDefinitions: [
    {
      name: "mcp-server",
      image: "123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@sha256:" + "a".repeat(64),
      essential: true,
      environment: [
        { name: "LOG_LEVEL", value: "DEBUG" },
        { name: "ENVIRONMENT", value: "dev" },
      ],
      secrets: [{ name: "API_KEY", valueFrom: "arn:aws:secretsmanager:us-east-2:123456789012:secret:x-AbCdEf:API_KEY::" }],
    },
  ],
};
const NEW_IMAGE = "123456789012.dkr.ecr.us-east-2.amazonaws.com/alert-engine-dev@sha256:" + "b".repeat(64);

describe("the next revision a hotswap registers", () => {
  it("is the running definition without what ECS sets itself, with the new image and values, tagged like the stack", () => {
    const input = nextRevision(running, { image: NEW_IMAGE, environment: { LOG_LEVEL: "INFO" } }, { Project: "alert-engine", Environment: "dev", "aws:cloudformation:stack-name": "x" });
    expect(input).toEqual({
      family: "alert-engine-backend-dev",
      taskRoleArn: running.taskRoleArn,
      executionRoleArn: running.executionRoleArn,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "512",
      memory: "1024",
      runtimePlatform: running.runtimePlatform,
      containerDefinitions: [
        {
          ...running.containerDefinitions![0],
          image: NEW_IMAGE,
          environment: [
            { name: "LOG_LEVEL", value: "INFO" },
            { name: "ENVIRONMENT", value: "dev" },
          ],
        },
      ],
      tags: [
        { key: "Project", value: "alert-engine" },
        { key: "Environment", value: "dev" },
      ],
    });
  });

  it("keeps the image when only values change, and sets a variable the running revision lacks", () => {
    const input = nextRevision(running, { environment: { FEATURE: "on" } }, {});
    expect(input.containerDefinitions![0]!.image).toBe(running.containerDefinitions![0]!.image);
    expect(input.containerDefinitions![0]!.environment).toEqual([...running.containerDefinitions![0]!.environment!, { name: "FEATURE", value: "on" }]);
  });

  it("refuses a definition without the app container", () => {
    expect(() => nextRevision({ ...running, containerDefinitions: [{ name: "sidecar" }] }, { image: NEW_IMAGE }, {})).toThrow(/has no container named mcp-server/);
  });
});

describe("durations as flags take them", () => {
  it.each([
    ["90s", 90_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1h05m", 3_900_000],
  ])("%s", (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "0s", "10", "m", "5x", "-1m"])("refuses %j", (text) => expect(parseDuration(text)).toBeUndefined());
});
