import type { CommandModule } from '../main.js';

export const command: CommandModule = {
  summary: '(not implemented yet)',
  async run(): Promise<number> {
    process.stderr.write('gim train: not implemented yet\n');
    return 2;
  },
};
