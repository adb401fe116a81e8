/**
 * Vision entry points for `gim eval` / `gim experiment vision` (filled in by the vision work).
 */
import { GimError } from '../errors.js';

export async function runVisionExperimentCli(_argv: string[]): Promise<number> {
  throw new GimError('gim experiment vision is not available in this build yet');
}

export async function runVisionEvalCli(_argv: string[]): Promise<number> {
  throw new GimError('gim eval on a vision checkpoint is not available in this build yet');
}
