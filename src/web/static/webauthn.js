// Security keys and passkeys on the portal pages, on top of @simplewebauthn/browser (served by the
// gateway as webauthn-browser.js; no CDN). Each page marks what it offers with data attributes:
//   [data-webauthn="signin"]    a "Sign in with a passkey" button (and passkey autofill)
//   [data-webauthn="verify"]    prove a registered key (second factor, step-up)
//   [data-webauthn="register"]  register a key or passkey (enrolment, account page)
// `data-rd` names the page to continue to. Errors go to the element [data-webauthn-error]. The
// page hands over the texts in its language as `data-msg-*` attributes of the marked element.

(() => {
  const lib = window.SimpleWebAuthnBrowser;
  const api = (path, body) =>
    fetch(`/.portcullis/api/webauthn/${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => ({})) }));

  const show = (root, text) => {
    const box = root.querySelector('[data-webauthn-error]') ?? document.querySelector('[data-webauthn-error]');
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  };
  // a text of the page's language (data-msg-<name> on the marked element)
  const msg = (root, name) => root.dataset[`msg${name[0].toUpperCase()}${name.slice(1)}`] ?? '';
  const failure = (root, err) =>
    msg(
      root,
      err && err.name === 'NotAllowedError'
        ? 'cancelled'
        : err && err.name === 'InvalidStateError'
          ? 'alreadyRegistered'
          : 'browser',
    );
  // once signed in, the login page goes on to rd, on any served host (through the hand-off
  // when the session cookie does not reach it)
  const onward = (rd) => (rd ? `/.portcullis/login?rd=${encodeURIComponent(rd)}` : '/.portcullis/');
  // after a sign-in or a step-up
  const goOn = (rd, status) => {
    const q = rd ? `?rd=${encodeURIComponent(rd)}` : '';
    if (status === 'mfa_required') location.assign(`/.portcullis/stepup${q}`);
    else if (status === 'enrollment_required') location.assign(`/.portcullis/enroll${q}`);
    else location.assign(`/.portcullis/login${q}`);
  };

  const trust = (rd) =>
    fetch('/.portcullis/api/device/trust', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rd ? { rd } : {}),
    });

  async function prove(root, autofill) {
    const rd = root.dataset.rd || '';
    show(root, '');
    const options = await api('login/options');
    if (options.status !== 200) return show(root, options.body.message ?? msg(root, 'unavailable'));
    let response;
    try {
      response = await lib.startAuthentication({ optionsJSON: options.body, useBrowserAutofill: autofill });
    } catch (err) {
      if (!autofill) show(root, failure(root, err));
      return;
    }
    const verified = await api('login/verify', rd ? { response, rd } : { response });
    if (verified.status !== 200) return show(root, verified.body.message ?? msg(root, 'failed'));
    // "trust this device", ticked: asked once the key is proven; a refusal leaves the sign-in done
    if (root.querySelector('input[data-trust]')?.checked) await trust(rd).catch(() => undefined);
    goOn(rd, verified.body.status);
  }

  async function register(root) {
    const rd = root.dataset.rd || '';
    const nameInput = root.querySelector('input[name="key-name"]');
    const name = (nameInput?.value ?? '').trim() || msg(root, 'defaultName');
    show(root, '');
    const options = await api('register/options');
    if (options.status === 403 && options.body.error === 'step_up_required') {
      location.assign(`/.portcullis/stepup?rd=${encodeURIComponent(location.href)}`);
      return;
    }
    if (options.status !== 200) return show(root, options.body.message ?? msg(root, 'unavailable'));
    let response;
    try {
      response = await lib.startRegistration({ optionsJSON: options.body });
    } catch (err) {
      return show(root, failure(root, err));
    }
    const verified = await api('register/verify', { name, response });
    if (verified.status !== 200) return show(root, verified.body.message ?? msg(root, 'failed'));
    const codes = verified.body.recovery_codes ?? [];
    const done = document.querySelector('[data-webauthn-done]');
    if (codes.length > 0 && done) {
      const list = done.querySelector('ol');
      for (const code of codes) {
        const li = document.createElement('li');
        li.textContent = code;
        list.append(li);
      }
      const next = done.querySelector('a');
      next.href = onward(rd);
      for (const el of document.querySelectorAll('[data-webauthn-hide]')) el.hidden = true;
      done.hidden = false;
      next.focus();
      return;
    }
    location.assign(onward(rd));
  }

  function start() {
    const supported = lib?.browserSupportsWebAuthn();
    for (const root of document.querySelectorAll('[data-webauthn]')) {
      const button = root.querySelector('button');
      if (!supported) {
        show(root, root.dataset.webauthn === 'signin' ? '' : msg(root, 'unsupported'));
        continue;
      }
      root.hidden = false;
      const mode = root.dataset.webauthn;
      button?.addEventListener('click', (event) => {
        event.preventDefault();
        (mode === 'register' ? register(root) : prove(root, false)).catch(() => show(root, msg(root, 'unexpected')));
      });
      // passkeys offered in the user-name field's autofill, where the browser can
      if (mode === 'signin')
        lib.browserSupportsWebAuthnAutofill().then((yes) => {
          if (yes) prove(root, true).catch(() => {});
        });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
