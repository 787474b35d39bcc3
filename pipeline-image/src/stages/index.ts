// Every stage's handler by name: the runner's dispatch table (one module per stage).
import type { StageName } from '../../../core/dag.js';
import type { StageHandler } from '../context.js';
import { asr } from './asr.js';
import { audio } from './audio.js';
import { embedScreen } from './embed-screen.js';
import { embedText } from './embed-text.js';
import { embedVision } from './embed-vision.js';
import { indexStage } from './index-scenes.js';
import { keyframes } from './keyframes.js';
import { objects } from './objects.js';
import { ocr } from './ocr.js';
import { probe } from './probe.js';
import { shots } from './shots.js';

export const HANDLERS: Record<StageName, StageHandler> = {
  probe,
  audio,
  asr,
  shots,
  keyframes,
  'embed-vision': embedVision,
  'embed-text': embedText,
  ocr,
  objects,
  'embed-screen': embedScreen,
  index: indexStage,
};
