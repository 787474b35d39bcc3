// A search hit's snippet: what was said, shown or seen in the scene, with the matched words marked. Objects read
// "cup (컵) · dining table (식탁)", with a name the query matched only through another word (mug, 잔) added, so
// the <mark> shows why the scene was found.

import type { SceneObject } from '../../core/scene-objects.js';
import { COCO_LABELS, labelWords } from '../../models/coco-labels.js';
import { highlight } from './query.js';

/** The objects as one line of text, each "label (Korean name[, the other names the marks hit])". Pure. */
export function seenText(
  objects: readonly Pick<SceneObject, 'label' | 'ko'>[],
  marks: readonly string[],
): string {
  return objects
    .map((o) => {
      const names = COCO_LABELS.find((l) => l.en === o.label);
      const extra = (names ? labelWords(names).slice(2) : []).filter((w) =>
        highlight(w, marks).includes('<mark>'),
      );
      return `${o.label} (${[o.ko, ...extra].join(', ')})`;
    })
    .join(' · ');
}

/**
 * The hit's snippet: the transcript around the match; when the match is in the text on screen instead, that
 * text, prefixed so a reader knows it was shown, not said; when it is in the objects seen, those ("Seen: …").
 * With no match in any (found by meaning): where the meaning was found (`via`: the text model matched what was shown
 * or seen, not what was said), else what was said, else shown, else seen.
 */
export function snippetOf(
  d: {
    transcript: string;
    screen_text: string;
    vision_tags?: readonly { label: string; ko: string }[] | null;
  },
  marks: readonly string[],
  via?: 'transcript' | 'screen' | 'objects',
): { snippet: string; snippet_source: 'transcript' | 'screen' | 'objects' } {
  const spoken = highlight(d.transcript, marks);
  const shown = highlight(d.screen_text.replaceAll('\n', ' · '), marks);
  const seen = d.vision_tags?.length ? highlight(seenText(d.vision_tags, marks), marks) : '';
  const said = { snippet: spoken, snippet_source: 'transcript' as const };
  const onScreen = { snippet: `On screen: ${shown}`, snippet_source: 'screen' as const };
  const inView = { snippet: `Seen: ${seen}`, snippet_source: 'objects' as const };
  for (const [text, hit] of [
    [spoken, said],
    [shown, onScreen],
    [seen, inView],
  ] as const) {
    if (text.includes('<mark>')) return hit;
  }
  if (via === 'screen' && d.screen_text) return onScreen;
  if (via === 'objects' && seen) return inView;
  return d.transcript || (!d.screen_text && !seen) ? said : d.screen_text ? onScreen : inView;
}
