// The labelled search evaluation set: generated videos whose every scene has a known colour, known drawn
// text and a known subtitle line, and queries with the scene(s) that answer them. Grow it by adding videos
// and queries; scene refs are `videoKey/sceneIndex`.
//
// The test media font has no Hangul glyphs, so on-screen text is drawn in English (a gloss for Korean scenes);
// the Korean words are in the subtitle track, which is what the pipeline indexes (ASR_MODEL=none).

export interface EvalScene {
  /** Background colour as ffmpeg understands it (0xRRGGBB) and in words. */
  colour: string;
  colourName: string;
  /** Drawn on the picture (ASCII). */
  onScreen: string;
  /** The subtitle line shown during the scene: the scene's transcript. */
  subtitle: string;
}

export interface EvalVideo {
  key: string;
  title: string;
  language: 'ko' | 'en';
  /** Seconds per scene; a hard cut at every boundary. */
  sceneSeconds: number;
  scenes: EvalScene[];
}

export type QueryKind =
  | 'exact'
  | 'partial'
  | 'paraphrase'
  | 'cross-lingual'
  | 'visual'
  /** Korean typed with other spacing or particles than the transcript's. */
  | 'spacing'
  /** Close to a scene in words or topic, but asking for something no scene shows: the right answer is nothing. */
  | 'near-miss'
  /** About nothing in the library: the right answer is nothing. */
  | 'negative';

/** Kinds whose right answer is an empty list. */
export const EMPTY_KINDS: readonly QueryKind[] = ['near-miss', 'negative'];

export interface EvalQuery {
  q: string;
  lang: 'ko' | 'en';
  kind: QueryKind;
  /** Every scene that is a correct answer, as `videoKey/sceneIndex`; none for near-misses and negatives. */
  relevant: string[];
}

const scene = (colour: string, colourName: string, onScreen: string, subtitle: string): EvalScene => ({
  colour,
  colourName,
  onScreen,
  subtitle,
});

// Neighbouring scenes alternate dark and bright: two similar colours in a row can fall under the shot
// detector's threshold and merge into one scene (red then brown did).
export const VIDEOS: EvalVideo[] = [
  {
    key: 'jeju',
    title: '제주 여행',
    language: 'ko',
    sceneSeconds: 3,
    scenes: [
      scene('0x1e64c8', 'blue', 'BEACH BARBECUE', '우리는 바닷가에서 고기를 구웠다'),
      scene('0xf08c1e', 'orange', 'SUNSET', '해가 지는 노을이 정말 아름다웠다'),
      scene('0x2ea043', 'green', 'HALLASAN HIKE', '한라산 정상까지 등산했어요'),
      scene('0xffd24a', 'yellow', 'TANGERINE FARM', '감귤 농장에서 귤을 땄다'),
    ],
  },
  {
    key: 'city',
    title: 'City walk',
    language: 'en',
    sceneSeconds: 3,
    scenes: [
      scene('0xd21e1e', 'red', 'RED CAR', 'the red car parked near the old train station'),
      scene('0xf0dcb4', 'beige', 'COFFEE', 'we had coffee with friends downtown'),
      scene('0x404040', 'dark grey', 'TAXI', 'a yellow taxi stuck in heavy traffic'),
      scene('0x87ceeb', 'sky blue', 'NIGHT CITY', 'the city lights at night from the rooftop'),
    ],
  },
  {
    key: 'cooking',
    title: '요리 교실',
    language: 'ko',
    sceneSeconds: 3,
    scenes: [
      scene('0xb4141e', 'dark red', 'KIMCHI STEW', '김치찌개를 끓이는 방법을 배웠어요'),
      scene('0xa0dc8c', 'pale green', 'CHOPPING ONIONS', '칼로 양파를 잘게 썰어 주세요'),
      scene('0xf5f0dc', 'cream', 'DUMPLINGS', '밀가루 반죽으로 만두를 빚었다'),
      scene('0x783ca0', 'purple', 'FAMILY DINNER', '완성된 음식을 가족과 함께 먹었다'),
    ],
  },
  {
    key: 'office',
    title: 'Office day',
    language: 'en',
    sceneSeconds: 3,
    scenes: [
      scene('0x506478', 'slate grey', 'BUDGET MEETING', 'the quarterly budget meeting ran over time'),
      scene('0xb4f0f0', 'light cyan', 'LAPTOP', 'my laptop battery died during the presentation'),
      scene('0xff69b4', 'pink', 'CHERRY BLOSSOMS', 'lunch break in the park under cherry blossoms'),
      scene('0x202020', 'black', 'PRINTER', 'fixing the printer jam again'),
    ],
  },
  {
    key: 'puppy',
    title: '강아지 산책',
    language: 'ko',
    sceneSeconds: 3,
    scenes: [
      scene('0x64c864', 'grass green', 'DOG IN THE PARK', '강아지가 공원에서 공을 쫓아 달렸다'),
      scene('0x4682b4', 'steel blue', 'RAIN', '비가 와서 우산을 쓰고 걸었다'),
      scene('0xc89664', 'tan', 'SLEEPING PUPPY', 'the puppy fell asleep on the sofa'),
      scene('0xffffff', 'white', 'SNOWMAN', '눈 오는 날 강아지와 눈사람을 만들었다'),
    ],
  },
];

export const QUERIES: EvalQuery[] = [
  // The exact words of a subtitle line.
  { q: '우리는 바닷가에서 고기를 구웠다', lang: 'ko', kind: 'exact', relevant: ['jeju/0'] },
  { q: 'the red car parked near the old train station', lang: 'en', kind: 'exact', relevant: ['city/0'] },
  { q: '칼로 양파를 잘게 썰어 주세요', lang: 'ko', kind: 'exact', relevant: ['cooking/1'] },
  { q: 'fixing the printer jam again', lang: 'en', kind: 'exact', relevant: ['office/3'] },
  // A word or two from inside a line (Korean words inside longer inflected words).
  { q: '노을', lang: 'ko', kind: 'partial', relevant: ['jeju/1'] },
  { q: '만두', lang: 'ko', kind: 'partial', relevant: ['cooking/2'] },
  { q: '강아지', lang: 'ko', kind: 'partial', relevant: ['puppy/0', 'puppy/3'] },
  { q: 'cherry blossoms', lang: 'en', kind: 'partial', relevant: ['office/2'] },
  { q: 'coffee', lang: 'en', kind: 'partial', relevant: ['city/1'] },
  // The same meaning in other words, same language.
  { q: 'grilling meat by the sea', lang: 'en', kind: 'cross-lingual', relevant: ['jeju/0'] }, // the other language
  { q: 'a dog sleeping on the couch', lang: 'en', kind: 'paraphrase', relevant: ['puppy/2'] },
  { q: 'cab in a traffic jam', lang: 'en', kind: 'paraphrase', relevant: ['city/2'] },
  { q: 'finance meeting that went long', lang: 'en', kind: 'paraphrase', relevant: ['office/0'] },
  { q: '산에 올라갔다', lang: 'ko', kind: 'paraphrase', relevant: ['jeju/2'] },
  { q: '가족과 저녁 식사', lang: 'ko', kind: 'paraphrase', relevant: ['cooking/3'] },
  { q: '우산 쓰고 비 오는 날 걷기', lang: 'ko', kind: 'paraphrase', relevant: ['puppy/1'] },
  // The other language.
  { q: '빨간 자동차', lang: 'ko', kind: 'cross-lingual', relevant: ['city/0'] },
  { q: 'making dumplings', lang: 'en', kind: 'cross-lingual', relevant: ['cooking/2'] },
  { q: 'hiking up the mountain', lang: 'en', kind: 'cross-lingual', relevant: ['jeju/2'] },
  { q: 'building a snowman with the dog', lang: 'en', kind: 'cross-lingual', relevant: ['puppy/3'] },
  // The other language, added 2026-12-07 so the calibration can be measured on queries it was not fitted on:
  // Korean for the English scenes…
  { q: '친구들과 시내에서 커피를 마셨다', lang: 'ko', kind: 'cross-lingual', relevant: ['city/1'] },
  { q: '노란 택시가 교통 체증에 갇혔다', lang: 'ko', kind: 'cross-lingual', relevant: ['city/2'] },
  { q: '옥상에서 본 도시의 야경', lang: 'ko', kind: 'cross-lingual', relevant: ['city/3'] },
  { q: '분기 예산 회의가 길어졌다', lang: 'ko', kind: 'cross-lingual', relevant: ['office/0'] },
  { q: '발표 중에 노트북 배터리가 나갔다', lang: 'ko', kind: 'cross-lingual', relevant: ['office/1'] },
  { q: '벚꽃 아래 공원에서 점심', lang: 'ko', kind: 'cross-lingual', relevant: ['office/2'] },
  { q: '프린터 용지 걸림을 고쳤다', lang: 'ko', kind: 'cross-lingual', relevant: ['office/3'] },
  { q: '강아지가 소파에서 잠들었다', lang: 'ko', kind: 'cross-lingual', relevant: ['puppy/2'] },
  // …and English for the Korean ones.
  { q: 'a beautiful sunset', lang: 'en', kind: 'cross-lingual', relevant: ['jeju/1'] },
  { q: 'picking tangerines on a farm', lang: 'en', kind: 'cross-lingual', relevant: ['jeju/3'] },
  { q: 'how to cook kimchi stew', lang: 'en', kind: 'cross-lingual', relevant: ['cooking/0'] },
  { q: 'chop the onions finely with a knife', lang: 'en', kind: 'cross-lingual', relevant: ['cooking/1'] },
  { q: 'eating dinner together with the family', lang: 'en', kind: 'cross-lingual', relevant: ['cooking/3'] },
  { q: 'the dog chased a ball in the park', lang: 'en', kind: 'cross-lingual', relevant: ['puppy/0'] },
  { q: 'walking in the rain with an umbrella', lang: 'en', kind: 'cross-lingual', relevant: ['puppy/1'] },
  // More paraphrases in the scene's own language.
  { q: 'sipping coffee with pals in town', lang: 'en', kind: 'paraphrase', relevant: ['city/1'] },
  { q: 'the skyline seen at night', lang: 'en', kind: 'paraphrase', relevant: ['city/3'] },
  { q: '귤 따기 체험', lang: 'ko', kind: 'paraphrase', relevant: ['jeju/3'] },
  { q: '저녁노을이 멋졌다', lang: 'ko', kind: 'paraphrase', relevant: ['jeju/1'] },
  // What the picture shows (colour, drawn text): only the vision signal can answer these.
  { q: 'a bright green screen', lang: 'en', kind: 'visual', relevant: ['jeju/2'] },
  { q: 'the word DUMPLINGS on a cream background', lang: 'en', kind: 'visual', relevant: ['cooking/2'] },
  { q: '분홍색 화면', lang: 'ko', kind: 'visual', relevant: ['office/2'] },
  // Korean as people type it: spaces dropped or added, other particles.
  { q: '바닷가에서고기를', lang: 'ko', kind: 'spacing', relevant: ['jeju/0'] },
  { q: '한라산정상까지', lang: 'ko', kind: 'spacing', relevant: ['jeju/2'] },
  { q: '감귤 농장', lang: 'ko', kind: 'spacing', relevant: ['jeju/3'] },
  { q: '김치 찌개', lang: 'ko', kind: 'spacing', relevant: ['cooking/0'] },
  { q: '눈사람을만들었다', lang: 'ko', kind: 'spacing', relevant: ['puppy/3'] },
  { q: '양파는', lang: 'ko', kind: 'spacing', relevant: ['cooking/1'] },
  { q: '우산을쓰고 걸었다', lang: 'ko', kind: 'spacing', relevant: ['puppy/1'] },
  { q: '공원에서공을', lang: 'ko', kind: 'spacing', relevant: ['puppy/0'] },
  // Near misses: the words or topic of a scene, but something none shows.
  { q: '고양이가 소파에서 잠들었다', lang: 'ko', kind: 'near-miss', relevant: [] },
  { q: 'a blue bicycle near the harbour', lang: 'en', kind: 'near-miss', relevant: [] },
  { q: '스키장에서 스노보드를 탔다', lang: 'ko', kind: 'near-miss', relevant: [] },
  { q: 'tea with my grandmother in the countryside', lang: 'en', kind: 'near-miss', relevant: [] },
  { q: 'the football match in the stadium', lang: 'en', kind: 'near-miss', relevant: [] },
  { q: '비행기가 활주로에서 이륙했다', lang: 'ko', kind: 'near-miss', relevant: [] },
  { q: '고양이가 바다에서 헤엄쳤다', lang: 'ko', kind: 'near-miss', relevant: [] },
  { q: 'a green bus at the airport', lang: 'en', kind: 'near-miss', relevant: [] },
  { q: '회사 커피 머신이 고장 났다', lang: 'ko', kind: 'near-miss', relevant: [] },
  { q: 'baking bread with grandma', lang: 'en', kind: 'near-miss', relevant: [] },
  { q: '여름 바다에서 서핑을 했다', lang: 'ko', kind: 'near-miss', relevant: [] },
  { q: 'a wedding dinner at a hotel', lang: 'en', kind: 'near-miss', relevant: [] },
  // Negatives: nothing in the library is about these.
  { q: 'zebra', lang: 'en', kind: 'negative', relevant: [] },
  { q: 'zzzz', lang: 'en', kind: 'negative', relevant: [] },
  { q: '고양이', lang: 'ko', kind: 'negative', relevant: [] },
  { q: 'quantum chromodynamics lecture', lang: 'en', kind: 'negative', relevant: [] },
  { q: 'asdfghjkl', lang: 'en', kind: 'negative', relevant: [] },
  { q: 'ㅋㅋㅋㅋ', lang: 'ko', kind: 'negative', relevant: [] },
  { q: '주식 시장 폭락', lang: 'ko', kind: 'negative', relevant: [] },
  { q: 'a giraffe eating leaves', lang: 'en', kind: 'negative', relevant: [] },
  { q: '양자 컴퓨터의 원리', lang: 'ko', kind: 'negative', relevant: [] },
  { q: 'tax return deadline', lang: 'en', kind: 'negative', relevant: [] },
  { q: '우주 정거장 도킹', lang: 'ko', kind: 'negative', relevant: [] },
  { q: 'volcanic eruption in Iceland', lang: 'en', kind: 'negative', relevant: [] },
];
