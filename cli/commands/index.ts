// The list of sub-commands. Add a command: create cli/commands/<name>.ts exporting `register`, then add it here.
import type { Command } from 'commander';
import { register as devnet } from './devnet.ts';
import { register as operator } from './operator.ts';
import { register as aggregator } from './aggregator.ts';
import { register as api } from './api.ts';
import { register as request } from './request.ts';
import { register as verify } from './verify.ts';
import { register as exportCmd } from './export.ts';
import { register as requests } from './requests.ts';
import { register as dataset } from './dataset.ts';
import { register as feed } from './feed.ts';
import { register as keeper } from './keeper.ts';
import { register as deploy } from './deploy.ts';
import { register as admin } from './admin.ts';
import { register as withdraw } from './withdraw.ts';

export const commands: ((program: Command) => void)[] = [
  devnet,
  deploy,
  admin,
  operator,
  aggregator,
  api,
  request,
  requests,
  verify,
  exportCmd,
  dataset,
  feed,
  keeper,
  withdraw,
];
