// Copies the one-time set-up token from the URL fragment (never sent to the server) into the form.
const token = decodeURIComponent(location.hash.slice(1));
const field = document.getElementById('token');
if (token && field) {
  field.value = token;
  history.replaceState(null, '', location.pathname);
}
