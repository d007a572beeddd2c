// The dashboard's API token: asked for once, kept for the tab's session (sessionStorage, so
// it is gone when the tab closes), sent as a bearer token on every fetch. EventSource cannot
// send headers, so the live stream carries it as ?access_token= — which the gateway accepts on
// its stream route only. A 401 shows the form again (a token removed, or mistyped).

const KEY = "spine.apiToken";
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

export function apiToken() {
  try {
    return sessionStorage.getItem(KEY) || "";
  } catch {
    return ""; // storage blocked: the form asks on every load
  }
}

export function authHeaders() {
  const token = apiToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function withAccessToken(url) {
  const token = apiToken();
  if (!token) return url;
  return `${url}${url.includes("?") ? "&" : "?"}access_token=${encodeURIComponent(token)}`;
}

// Show the token form; on submit keep the token and load the page again with it.
export function askForToken(reason) {
  const form = $("token-form");
  if (!form || !form.hidden) return;
  const note = $("token-note");
  if (note && reason) note.textContent = reason;
  form.hidden = false;
  const input = $("token-input");
  form.addEventListener(
    "submit",
    (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      try {
        sessionStorage.setItem(KEY, value);
      } catch {
        // storage blocked: nothing to keep it in
      }
      location.reload();
    },
    { once: true },
  );
  input.focus();
}
