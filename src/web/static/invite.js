// The invitation pages. On the page a link opens: copies the token from the URL fragment (never
// sent to a server) into the form, drops it from the address bar and history, and sends the form.
// On the password page: a strength meter that says what the server's rules will say (length, the
// user name) and how guessable the password looks; its words come from the meter's data-*, in the
// page's language ("short" in its two plural forms, chosen with Intl.PluralRules of the page's lang).
const open = document.getElementById('invite-open');
const token = decodeURIComponent(location.hash.slice(1));
if (open && token) {
  open.elements.token.value = token;
  history.replaceState(null, '', location.pathname);
  open.submit();
}

const meter = document.getElementById('strength');
const password = document.getElementById('password');
const user = document.getElementById('username');
if (meter && password) {
  const text = document.getElementById('strength-text');
  const min = Number(meter.dataset.min);
  const plural = new Intl.PluralRules(document.documentElement.lang || 'en');
  meter.closest('.strength').hidden = false;
  const score = (value) => {
    const chars = [...value];
    if (chars.length === 0) return [0, meter.dataset.empty];
    if (chars.length < min) {
      const left = min - chars.length;
      const form = plural.select(left) === 'one' ? meter.dataset.shortOne : meter.dataset.shortOther;
      return [0, form.replace('{count}', String(left))];
    }
    const name = (user?.value ?? '').toLowerCase();
    if (name.length >= 3 && value.toLowerCase().includes(name)) return [0, meter.dataset.hasname];
    let pool = 0;
    if (/[a-z]/.test(value)) pool += 26;
    if (/[A-Z]/.test(value)) pool += 26;
    if (/[0-9]/.test(value)) pool += 10;
    if (/[^a-zA-Z0-9]/.test(value)) pool += 33;
    // repeated characters add little: count the distinct ones more than the length
    const bits = Math.log2(Math.max(pool, 2)) * Math.min(chars.length, new Set(chars).size * 2);
    if (bits < 50) return [1, meter.dataset.weak];
    if (bits < 70) return [2, meter.dataset.fair];
    if (bits < 90) return [3, meter.dataset.good];
    return [4, meter.dataset.strong];
  };
  const update = () => {
    const [value, words] = score(password.value);
    meter.value = value;
    text.textContent = words;
  };
  password.addEventListener('input', update);
  update();
}
