/**
 * What the page keeps in the browser across reloads: the last code, language and input (so a reload
 * loses no work) and the signed-in name (the session itself is the API's HttpOnly cookie, never readable here).
 */

export interface CodeDraft {
  translator: string;
  code: string;
  stdin: string;
}

const DRAFT_KEY = 'conveyor.code-draft';
const USER_KEY = 'conveyor.username';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadDraft(store: KeyValueStore): CodeDraft | undefined {
  try {
    const parsed = JSON.parse(store.getItem(DRAFT_KEY) ?? 'null') as Partial<CodeDraft> | null;
    if (!parsed || typeof parsed.code !== 'string' || typeof parsed.translator !== 'string') return undefined;
    return {
      translator: parsed.translator,
      code: parsed.code,
      stdin: typeof parsed.stdin === 'string' ? parsed.stdin : '',
    };
  } catch {
    return undefined;
  }
}

export function saveDraft(store: KeyValueStore, draft: CodeDraft): void {
  try {
    store.setItem(DRAFT_KEY, JSON.stringify(draft));
  } catch {
    // Storage full or disabled (private mode): the draft lives only in the page.
  }
}

export function loadUsername(store: KeyValueStore): string | undefined {
  return store.getItem(USER_KEY) ?? undefined;
}

export function saveUsername(store: KeyValueStore, name: string | undefined): void {
  if (name === undefined) store.removeItem(USER_KEY);
  else store.setItem(USER_KEY, name);
}

/** A first program per language, for an empty editor. */
export const SAMPLES: Record<string, string> = {
  python3: 'name = input()\nprint(f"Hello, {name}!")\n',
  gcc: '#include <stdio.h>\n\nint main(void) {\n  char name[64];\n  if (scanf("%63s", name) == 1) printf("Hello, %s!\\n", name);\n  return 0;\n}\n',
  clang:
    '#include <stdio.h>\n\nint main(void) {\n  char name[64];\n  if (scanf("%63s", name) == 1) printf("Hello, %s!\\n", name);\n  return 0;\n}\n',
  'g++':
    '#include <iostream>\n#include <string>\n\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "Hello, " << name << "!\\n";\n}\n',
  'clang++':
    '#include <iostream>\n#include <string>\n\nint main() {\n  std::string name;\n  std::cin >> name;\n  std::cout << "Hello, " << name << "!\\n";\n}\n',
};

/** The editor's syntax for a translator. */
export function syntaxOf(translator: string): 'python' | 'cpp' {
  return translator.startsWith('python') ? 'python' : 'cpp';
}

/** Human labels for the translators the API lists. */
export function translatorLabel(translator: string): string {
  const labels: Record<string, string> = {
    python3: 'Python 3',
    gcc: 'C (gcc)',
    clang: 'C (clang)',
    'g++': 'C++ (g++)',
    'clang++': 'C++ (clang++)',
  };
  return labels[translator] ?? translator;
}
