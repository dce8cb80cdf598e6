import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../users/password.ts';
import type { NewPasswordRule } from '../../users/password-rules.ts';
import type { PageText } from '../html.ts';

/** A broken password rule (passwordRuleBroken, newPasswordRuleBroken) as a sentence in the page's language. */
export function passwordRuleText(text: PageText, rule: NewPasswordRule): string {
  switch (rule) {
    case 'too_short':
      return text.t('errors.password.tooShort', { min: MIN_PASSWORD_LENGTH });
    case 'too_long':
      return text.t('errors.password.tooLong', { max: MAX_PASSWORD_LENGTH });
    case 'repeated':
      return text.t('errors.password.repeated');
    case 'has_user_name':
      return text.t('errors.password.hasUserName');
    case 'common':
      return text.t('errors.password.common');
    case 'is_user_name':
      return text.t('errors.password.isUserName');
  }
}
