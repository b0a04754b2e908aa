/**
 * The languages APIMart words a task's failure reason in (`GET /v1/tasks/{id}?language=`, docs/apimart.md).
 * Asked in the requester's language where the provider has it, else in English: a member who reads neither
 * Chinese, Japanese nor Korean is better served by English, whatever the provider's own default.
 */
export const TASK_LANGUAGES = ['en', 'zh', 'ja', 'ko'] as const;
export type TaskLanguage = (typeof TASK_LANGUAGES)[number];

/** The provider language for a Discord locale; undefined (no parameter) when the job stored none. */
export function taskLanguage(locale: string | undefined): TaskLanguage | undefined {
  if (locale === undefined) return undefined;
  // Only zh-CN: the bot speaks Simplified Chinese and the provider does not say which script `zh` is.
  if (locale === 'zh-CN') return 'zh';
  const base = locale.split('-')[0];
  return base === 'ja' || base === 'ko' ? base : 'en';
}
