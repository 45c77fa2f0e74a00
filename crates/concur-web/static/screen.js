// Keys for the screen page; every action is also a plain form or link that works without this.
(function () {
  "use strict";
  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (typing) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (key === "i") { click("include"); }
    else if (key === "m") { click("maybe"); }
    else if (key === "e") { click("exclude"); }
    else if (key === "u") { click("undo"); }
    else if (key === "r") { click("sample"); }
    else if (key === "n") { var note = document.getElementById("note"); if (note) { event.preventDefault(); note.focus(); } }
    else if (/^[1-9]$/.test(key)) {
      var select = document.getElementById("reason");
      var index = parseInt(key, 10);
      if (select && index < select.options.length) {
        select.selectedIndex = index;
        click("exclude");
      }
    } else { return; }
    event.preventDefault();
  });
})();
