// The interface's words in Korean and English: chosen from the browser's languages, switchable, kept.
import { signal } from '@preact/signals';

export type Lang = 'ko' | 'en';

const en = {
  'app.name': 'heimdex',
  'app.tagline': 'Find moments in your videos',
  'nav.search': 'Search',
  'nav.library': 'Library',
  'nav.upload': 'Upload',
  'nav.main': 'Main',
  'lang.switch': '한국어',
  'lang.switchLabel': 'Switch the interface to Korean',
  'auth.signOut': 'Sign out',
  'auth.signIn': 'Sign in',
  'auth.title': 'Sign in to heimdex',
  'auth.local': 'Continue as the owner of this machine',
  'auth.localHelp': 'heimdex runs on this computer; no password is needed here.',
  'auth.oidc': 'Sign in with your organisation',
  'auth.token': 'Access token',
  'auth.tokenHelp': 'Paste the bearer token your administrator gave you.',
  'auth.bad': 'That token was not accepted: {detail}',
  'auth.signingIn': 'Signing in…',
  'search.label': 'Search your videos',
  'search.placeholder': 'What happens, or what is said — in Korean or English',
  'search.submit': 'Search',
  'search.none': 'No scenes found for “{q}”.',
  'search.noneHelp': 'Try other words, or check that your videos have finished processing.',
  'search.noneMeaningOff':
    'Search by meaning is off on this server, so only the words said in a video can match.',
  'search.results': '{n} scenes',
  'search.results.one': '{n} scene',
  'search.hint': 'Type what you remember: “바닷가에서 고기를 구웠다”, “the red car near the station”.',
  'search.more': 'More results',
  'search.strength': 'Match',
  'search.strong': 'strong',
  'search.good': 'good',
  'search.weak': 'weak',
  'search.searching': 'Searching…',
  'scene.range': '{from}–{to}',
  'library.title': 'Your videos',
  'library.empty': 'No videos yet.',
  'library.emptyHelp': 'Upload a video and heimdex will cut it into scenes you can search.',
  'library.delete': 'Delete',
  'library.deleteConfirm': 'Delete “{title}” and everything found in it? This cannot be undone.',
  'library.deleteYes': 'Delete it',
  'library.cancel': 'Keep it',
  'library.watch': 'Watch',
  'library.reupload': 'Upload again',
  'library.progress': '{p}% processed',
  'library.stages': 'Stages',
  'library.more': 'More videos',
  'library.duration': 'Length',
  'state.uploading': 'Uploading',
  'state.validating': 'Checking',
  'state.processing': 'Processing',
  'state.indexed': 'Indexed',
  'state.failed': 'Failed',
  'state.deleted': 'Deleted',
  'stage.probe': 'Reading the file',
  'stage.audio': 'Extracting audio',
  'stage.asr': 'Transcribing speech',
  'stage.shots': 'Finding scene cuts',
  'stage.keyframes': 'Picking key frames',
  'stage.embed-vision': 'Understanding pictures',
  'stage.embed-text': 'Understanding words',
  'stage.ocr': 'Reading text on screen',
  'stage.objects': 'Spotting objects',
  'stage.embed-screen': 'Understanding what is shown',
  'stage.index': 'Making it searchable',
  'stageState.pending': 'waiting',
  'stageState.running': 'running',
  'stageState.succeeded': 'done',
  'stageState.skipped': 'skipped',
  'stageState.failed': 'failed',
  'upload.title': 'Upload videos',
  'upload.drop': 'Drop videos here',
  'upload.or': 'or',
  'upload.pick': 'Choose files',
  'upload.help':
    'MP4, MOV, AVI, MKV or WebM, up to {max}. Uploads resume if the page reloads or the network drops.',
  'upload.cancel': 'Cancel',
  'upload.resume': 'Pick “{name}” again to resume',
  'upload.resumeTitle': 'Unfinished uploads',
  'upload.forget': 'Forget',
  'upload.speed': '{rate}/s',
  'upload.left': '{time} left',
  'upload.done': 'Uploaded; processing has started.',
  'upload.checking': 'Checking…',
  'upload.sending': 'Uploading',
  'upload.finishing': 'Finishing…',
  'upload.cancelled': 'Cancelled',
  'upload.retry': 'Retry',
  'upload.failed': 'Failed: {detail}',
  'upload.toLibrary': 'See it in your library',
  'check.type': '{type} is not a supported video type; upload MP4, MOV, AVI, MKV or WebM.',
  'check.size': 'The file is {size}; the limit is {max}. Trim or compress it and upload it again.',
  'check.empty': 'The file is empty; choose the video file itself.',
  'check.duration':
    'The browser read no length from this file, so it does not look like a video; choose a video file.',
  'check.too-long': 'The video is {d} long; the longest accepted is {max}. Trim it and upload it again.',
  'check.unreadable': 'Length unknown: this browser cannot play the format; the server will check it.',
  'check.length': 'Length {d}',
  'player.loop': 'Loop the scene',
  'player.prev': 'Previous scene',
  'player.next': 'Next scene',
  'player.scenes': 'Scenes of this video',
  'player.scene': 'Scene {n}: {from}–{to}',
  'player.back': 'Back to results',
  'player.range': 'This scene',
  'player.ended': 'End of the scene',
  'player.replay': 'Play the scene again',
  'error.generic': 'Something went wrong: {detail}',
  'error.offline': 'The heimdex server cannot be reached. Is it running?',
  loading: 'Loading…',
} as const;

export type Key = keyof typeof en;

const ko: Record<Key, string> = {
  'app.name': 'heimdex',
  'app.tagline': '내 영상 속 장면 찾기',
  'nav.search': '검색',
  'nav.library': '보관함',
  'nav.upload': '업로드',
  'nav.main': '주 메뉴',
  'lang.switch': 'English',
  'lang.switchLabel': '화면 언어를 영어로 바꾸기',
  'auth.signOut': '로그아웃',
  'auth.signIn': '로그인',
  'auth.title': 'heimdex 로그인',
  'auth.local': '이 컴퓨터의 소유자로 계속하기',
  'auth.localHelp': 'heimdex가 이 컴퓨터에서 실행 중이라 비밀번호가 필요 없습니다.',
  'auth.oidc': '조직 계정으로 로그인',
  'auth.token': '액세스 토큰',
  'auth.tokenHelp': '관리자에게 받은 Bearer 토큰을 붙여 넣으세요.',
  'auth.bad': '토큰이 거부되었습니다: {detail}',
  'auth.signingIn': '로그인 중…',
  'search.label': '내 영상 검색',
  'search.placeholder': '어떤 장면인지, 무슨 말이 나오는지 — 한국어나 영어로',
  'search.submit': '검색',
  'search.none': '“{q}”에 맞는 장면이 없습니다.',
  'search.noneHelp': '다른 말로 검색하거나 영상 처리가 끝났는지 확인해 보세요.',
  'search.noneMeaningOff': '이 서버에서는 의미 검색이 꺼져 있어 영상에서 말한 단어만 찾을 수 있습니다.',
  'search.results': '장면 {n}개',
  'search.results.one': '장면 {n}개',
  'search.hint': '기억나는 대로 입력하세요: “바닷가에서 고기를 구웠다”, “the red car near the station”.',
  'search.more': '결과 더 보기',
  'search.strength': '일치도',
  'search.strong': '높음',
  'search.good': '보통',
  'search.weak': '낮음',
  'search.searching': '검색 중…',
  'scene.range': '{from}–{to}',
  'library.title': '내 영상',
  'library.empty': '아직 영상이 없습니다.',
  'library.emptyHelp': '영상을 올리면 heimdex가 검색할 수 있는 장면으로 나눕니다.',
  'library.delete': '삭제',
  'library.deleteConfirm': '“{title}”과 그 안에서 찾은 모든 것을 삭제할까요? 되돌릴 수 없습니다.',
  'library.deleteYes': '삭제하기',
  'library.cancel': '그대로 두기',
  'library.watch': '보기',
  'library.reupload': '다시 올리기',
  'library.progress': '{p}% 처리됨',
  'library.stages': '단계',
  'library.more': '영상 더 보기',
  'library.duration': '길이',
  'state.uploading': '업로드 중',
  'state.validating': '확인 중',
  'state.processing': '처리 중',
  'state.indexed': '검색 가능',
  'state.failed': '실패',
  'state.deleted': '삭제됨',
  'stage.probe': '파일 읽기',
  'stage.audio': '소리 추출',
  'stage.asr': '음성 받아쓰기',
  'stage.shots': '장면 전환 찾기',
  'stage.keyframes': '대표 화면 고르기',
  'stage.embed-vision': '화면 이해하기',
  'stage.embed-text': '말 이해하기',
  'stage.ocr': '화면 글자 읽기',
  'stage.objects': '사물 찾기',
  'stage.embed-screen': '화면 속 글자와 사물 이해하기',
  'stage.index': '검색 준비',
  'stageState.pending': '대기',
  'stageState.running': '진행 중',
  'stageState.succeeded': '완료',
  'stageState.skipped': '건너뜀',
  'stageState.failed': '실패',
  'upload.title': '영상 올리기',
  'upload.drop': '여기에 영상을 끌어다 놓으세요',
  'upload.or': '또는',
  'upload.pick': '파일 고르기',
  'upload.help':
    'MP4, MOV, AVI, MKV, WebM, 최대 {max}. 페이지를 새로 고치거나 연결이 끊겨도 이어서 올립니다.',
  'upload.cancel': '취소',
  'upload.resume': '이어 올리려면 “{name}”을 다시 고르세요',
  'upload.resumeTitle': '끝나지 않은 업로드',
  'upload.forget': '잊기',
  'upload.speed': '초당 {rate}',
  'upload.left': '{time} 남음',
  'upload.done': '업로드 완료, 처리를 시작했습니다.',
  'upload.checking': '확인 중…',
  'upload.sending': '업로드 중',
  'upload.finishing': '마무리 중…',
  'upload.cancelled': '취소됨',
  'upload.retry': '다시 시도',
  'upload.failed': '실패: {detail}',
  'upload.toLibrary': '보관함에서 보기',
  'check.type': '{type}은(는) 지원하지 않는 영상 형식입니다. MP4, MOV, AVI, MKV, WebM을 올리세요.',
  'check.size': '파일 크기가 {size}입니다. 최대 {max}까지 올릴 수 있습니다. 줄이거나 잘라서 다시 올리세요.',
  'check.empty': '빈 파일입니다. 영상 파일을 고르세요.',
  'check.duration':
    '브라우저가 이 파일의 길이를 읽지 못했습니다. 영상 파일이 아닌 것 같습니다. 영상 파일을 고르세요.',
  'check.too-long': '영상 길이가 {d}입니다. 최대 {max}까지 올릴 수 있습니다. 잘라서 다시 올리세요.',
  'check.unreadable': '길이 알 수 없음: 이 브라우저가 재생할 수 없는 형식이라 서버가 확인합니다.',
  'check.length': '길이 {d}',
  'player.loop': '장면 반복',
  'player.prev': '이전 장면',
  'player.next': '다음 장면',
  'player.scenes': '이 영상의 장면',
  'player.scene': '{n}번 장면: {from}–{to}',
  'player.back': '검색 결과로',
  'player.range': '이 장면',
  'player.ended': '장면 끝',
  'player.replay': '장면 다시 보기',
  'error.generic': '문제가 생겼습니다: {detail}',
  'error.offline': 'heimdex 서버에 연결할 수 없습니다. 실행 중인가요?',
  loading: '불러오는 중…',
};

const dictionaries: Record<Lang, Record<Key, string>> = { en, ko };

/** The first of the browser's languages we speak; English otherwise. */
export function pickLanguage(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'ko' || base === 'en') return base;
  }
  return 'en';
}

const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem('heimdex.lang');
export const lang = signal<Lang>(
  stored === 'ko' || stored === 'en'
    ? stored
    : pickLanguage(typeof navigator === 'undefined' ? [] : navigator.languages),
);

export function setLanguage(l: Lang): void {
  lang.value = l;
  localStorage.setItem('heimdex.lang', l);
}

/**
 * The words for `key` in `l`, with `{name}` filled from `vars`. A count `n` picks the key's `.one` form where
 * the language says one is singular (English "1 scene"; Korean has no such form).
 */
export function translate(l: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  const one = `${key}.one`;
  if (typeof vars.n === 'number' && one in en && new Intl.PluralRules(l).select(vars.n) === 'one')
    key = one as Key;
  return dictionaries[l][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

/** Reads the current language, so a component using it re-renders when it changes. */
export const t = (key: Key, vars?: Record<string, string | number>) => translate(lang.value, key, vars);

/** A key made at run time (a stage name from the API): its words if we have them, else the fallback. */
export const tOr = (key: string, fallback: string) => (key in en ? t(key as Key) : fallback);
