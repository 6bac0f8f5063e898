/** The options every command takes (see main.ts), as one typed object. */
import type { Command } from 'commander';
import { DEFAULT_STATE_DIR } from './state.ts';

export interface GlobalOptions {
  state: string;
  network?: string;
  index?: string;
  identity?: string;
  collection: string;
  json: boolean;
  verbose: boolean;
}

export function globals(command: Command): GlobalOptions {
  const o = command.optsWithGlobals() as Partial<GlobalOptions>;
  return {
    state: o.state ?? DEFAULT_STATE_DIR,
    ...(o.network === undefined ? {} : { network: o.network }),
    ...(o.index === undefined ? {} : { index: o.index }),
    ...(o.identity === undefined ? {} : { identity: o.identity }),
    collection: o.collection ?? 'default',
    json: o.json ?? false,
    verbose: o.verbose ?? false,
  };
}
