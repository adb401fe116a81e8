import { GimError } from '../../errors.js';

/** Vision training entry (filled in by the vision work). */
export async function runVisionTraining(_argv: string[]): Promise<number> {
  throw new GimError('gim train --modality vision is not available in this build yet');
}
