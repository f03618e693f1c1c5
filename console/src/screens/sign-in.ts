import { alertRegion, h } from '../dom';
import { looksLikeJwt } from '../session';

/**
 * Deployed, config.json carries no JWT: Timebook hands the signed-in admin's JWT over, or it is
 * pasted here. It stays in this tab (memory and sessionStorage) only.
 */
export function signInScreen(main: HTMLElement, onSignIn: (jwt: string) => void): void {
  const alert = alertRegion();
  const input = h('input', { type: 'password', id: 'jwt', name: 'jwt', required: true, autocomplete: 'off', spellcheck: 'false' });
  main.append(
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste the admin JWT Timebook issued for this workspace. It is kept in this browser tab only, and forgotten when the tab closes.'),
    h(
      'form',
      {
        class: 'card',
        onsubmit: (event: Event) => {
          event.preventDefault();
          alert.clear();
          const jwt = input.value.trim();
          if (!looksLikeJwt(jwt)) {
            alert.show(new Error('That is not a JWT: it has three parts separated by dots.'));
            return;
          }
          onSignIn(jwt);
        },
      },
      h('label', { for: 'jwt' }, 'Admin JWT'),
      input,
      h('button', { type: 'submit' }, 'Sign in'),
      alert.element,
    ),
  );
}
