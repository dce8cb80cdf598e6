// The approval link of a link channel (ntfy, Slack, Teams): copies the one-time code from the
// URL fragment (never sent to a server, so in no access log) into the form, drops it from the
// address bar and history, and sends the form, which only shows the request (it never approves).
const form = document.getElementById('push-link-open');
const code = decodeURIComponent(location.hash.slice(1));
if (form && code) {
  form.elements.token.value = code;
  history.replaceState(null, '', location.pathname);
  form.submit();
}
