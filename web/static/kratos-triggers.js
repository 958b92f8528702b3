// Kratos' security-key buttons name the function of its webauthn.js to call (onclickTrigger).
// The pages' CSP refuses their inline onclick, so this calls it; the function reads the options
// from the button's value, asks the browser for the key, and submits the form.
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-onclick-trigger]') : null;
  if (!button) return;
  event.preventDefault();
  const trigger = window[button.getAttribute('data-onclick-trigger')];
  if (typeof trigger === 'function') trigger();
});
