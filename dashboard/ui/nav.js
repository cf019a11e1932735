'use strict';
// The header's menu button: on narrow screens the navigation collapses behind it (CSS),
// and closes again once a screen is chosen.
(() => {
  const top = document.getElementById('top'), btn = document.getElementById('nav-toggle');
  const set = open => { top.classList.toggle('open', open); btn.setAttribute('aria-expanded', String(open)); };
  btn.addEventListener('click', () => set(!top.classList.contains('open')));
  window.addEventListener('hashchange', () => set(false));
})();
