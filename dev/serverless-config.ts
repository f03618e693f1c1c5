import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SERVERLESS_BIN = join(__dirname, '..', 'node_modules', 'serverless', 'bin', 'serverless.js');

export interface CfnResource {
  Type: string;
  Properties: Record<string, unknown>;
}

export interface ServerlessFunction {
  handler: string;
  name?: string;
  memorySize?: number;
  events?: Array<Record<string, unknown>>;
}

/** serverless-esbuild's settings in serverless.yml (`custom.esbuild`), the ones a local build needs. */
export interface EsbuildSettings {
  minify: boolean;
  sourcemap: boolean | 'linked' | 'inline' | 'external' | 'both';
  target: string;
  mainFields: string[];
  keepNames: boolean;
}

/** The parts of the resolved serverless.yml that the local stack reads. */
export interface ResolvedServerlessConfig {
  service: string;
  provider: { memorySize?: number; environment?: Record<string, string> };
  custom: { esbuild: EsbuildSettings };
  functions: Record<string, ServerlessFunction>;
  resources: { Resources: Record<string, CfnResource> };
}

/**
 * serverless.yml with every variable resolved for `stage`, as `serverless print` shows it, so the
 * local stack creates exactly the tables and queues the deployed stack declares.
 */
export async function resolveServerlessConfig(
  stage: string,
  env: NodeJS.ProcessEnv,
): Promise<ResolvedServerlessConfig> {
  const { stdout } = await run(process.execPath, [SERVERLESS_BIN, 'print', '--stage', stage, '--format', 'json'], {
    cwd: join(__dirname, '..'),
    env,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as ResolvedServerlessConfig;
}

/** The Lambda name serverless gives a function: `<service>-<stage>-<key>` unless set. */
export function lambdaName(config: ResolvedServerlessConfig, stage: string, key: string): string {
  return config.functions[key]?.name ?? `${config.service}-${stage}-${key}`;
}

/** A function's memory in MB: its own setting, else the provider's, else the Serverless Framework's default. */
export function lambdaMemoryMb(config: ResolvedServerlessConfig, key: string): number {
  return config.functions[key]?.memorySize ?? config.provider.memorySize ?? 1024;
}

/** esbuild options that build a function's code as the deployment does (serverless-esbuild, CommonJS for Node). */
export function deploymentBuildOptions(config: ResolvedServerlessConfig) {
  const { minify, sourcemap, target, mainFields, keepNames } = config.custom.esbuild;
  return { bundle: true, platform: 'node' as const, format: 'cjs' as const, minify, sourcemap, target, mainFields, keepNames, logLevel: 'silent' as const };
}
