// `npm run testbed -- up|down|status|env`: start or stop the test bed; `up` prints KEY=value settings.
import { down, formatEnv, isUp, readState, up } from './testbed.js';

const command = process.argv[2] ?? 'status';
try {
  switch (command) {
    case 'up':
      process.stdout.write(await formatEnv(await up()));
      break;
    case 'down':
      await down();
      break;
    case 'env': {
      const state = readState();
      if (!isUp(state)) throw new Error('the test bed is not up; run `npm run testbed -- up`');
      process.stdout.write(await formatEnv(state.env));
      break;
    }
    case 'status': {
      const state = readState();
      if (!state) console.log('down');
      else
        for (const p of state.processes)
          console.log(
            `${p.name}\tpid ${p.pid}\t${isUp({ ...state, processes: [p] }) ? 'running' : 'GONE'}\t${p.log}`,
          );
      break;
    }
    default:
      throw new Error(`unknown command "${command}"; use up, down, status or env`);
  }
} catch (error) {
  process.stderr.write(
    `testbed ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
