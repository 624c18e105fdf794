/**
 * The CloudFormation template shape and small typed helpers for intrinsic functions,
 * so builders read as infrastructure rather than as nested JSON.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: "Delete" | "Retain" | "Snapshot" | "RetainExceptOnCreate";
  UpdateReplacePolicy?: "Delete" | "Retain" | "Snapshot";
}

export interface Parameter {
  Type: string;
  Description?: string;
  Default?: string;
  AllowedPattern?: string;
}

export interface Output {
  Value: Json;
  Description?: string;
  Export?: { Name: Json };
}

export interface Template {
  AWSTemplateFormatVersion: "2010-09-09";
  Description: string;
  Parameters?: Record<string, Parameter>;
  Conditions?: Record<string, Json>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, Output>;
}

/**
 * A value CloudFormation computes at deploy time (Ref, Fn::If, a transform's function) where a literal belongs:
 * the template alone cannot say what it became. Lists are literals, whatever they hold.
 */
export const isComputed = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value);

/** The stack itself where CloudFormation lists it beside its resources (events, termination protection). */
export const STACK_TYPE = "AWS::CloudFormation::Stack";

export const ref = (logicalId: string): Json => ({ Ref: logicalId });
export const getAtt = (logicalId: string, attribute: string): Json => ({ "Fn::GetAtt": [logicalId, attribute] });
export const sub = (text: string): Json => ({ "Fn::Sub": text });
export const join = (separator: string, parts: Json[]): Json => ({ "Fn::Join": [separator, parts] });
const select = (index: number, list: Json): Json => ({ "Fn::Select": [String(index), list] });
export const split = (separator: string, text: Json): Json => ({ "Fn::Split": [separator, text] });
const azs = (): Json => ({ "Fn::GetAZs": "" });

/** The nth availability zone of the stack's region. */
export const az = (index: number): Json => select(index, azs());

export const AWS = {
  region: ref("AWS::Region"),
  accountId: ref("AWS::AccountId"),
  partition: ref("AWS::Partition"),
  stackName: ref("AWS::StackName"),
  urlSuffix: ref("AWS::URLSuffix"),
} as const;

/** IAM policy statement; `Action: "*"` is refused by the template tests. */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: Json;
  Principal?: Json;
  Condition?: Json;
}

export const policyDocument = (statements: Statement[]): Json => ({
  Version: "2012-10-17",
  Statement: statements as unknown as Json[],
});

/** A trust policy letting one AWS service principal assume the role. */
export const assumedBy = (service: string): Json =>
  policyDocument([{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }]);
