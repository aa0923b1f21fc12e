// Behaviour shared by every page (no inline script or on*= attribute anywhere: the
// Content-Security-Policy allows scripts from this site's files only).
//   .menu-toggle          opens and closes the menu on small screens
//   [data-confirm]        a button asks this question before its form is sent
//   select[data-autosubmit]  sends its form when another option is chosen
(function () {
  'use strict';
  var toggle = document.querySelector('.menu-toggle');
  if (toggle) {
    toggle.addEventListener('click', function () { document.body.classList.toggle('menu-open'); });
  }
  document.querySelectorAll('[data-confirm]').forEach(function (button) {
    button.addEventListener('click', function (event) {
      if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });
  document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });
})();
