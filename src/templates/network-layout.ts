/**
 * The VPC's address plan, shared by the network stack that builds it and by the rules that name its
 * ranges (the tasks' egress to the database subnets, the endpoints' ingress from the private subnets).
 * Both come from one synth, so they cannot disagree.
 */
import { AZ_COUNT } from "../env/model.js";

export const VPC_CIDR = "10.0.0.0/16";
export const SUBNET_TIERS = {
  Public: { cidrs: ["10.0.0.0/22", "10.0.4.0/22"], public: true },
  Private: { cidrs: ["10.0.16.0/20", "10.0.32.0/20"], public: false },
  Database: { cidrs: ["10.0.64.0/24", "10.0.65.0/24"], public: false },
} as const;
export type Tier = keyof typeof SUBNET_TIERS;

export const azIndexes = Array.from({ length: AZ_COUNT }, (_, i) => i);
export const subnetId = (tier: Tier, index: number) => `${tier}Subnet${index + 1}`;
