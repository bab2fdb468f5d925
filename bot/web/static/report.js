// Sorts the ranked table by the column whose heading is clicked; a second click turns the order around.
(function () {
  var table = document.getElementById("ranked");
  if (!table) { return; }
  var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headings.forEach(function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var order = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      var number = button.getAttribute("data-kind") === "number";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var key = function (row) {
        var cell = row.cells[column];
        return number ? parseFloat(cell.getAttribute("data-value")) : cell.textContent.trim().toLowerCase();
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var found = number ? x - y : x.localeCompare(y);
        return order === "ascending" ? found : -found;
      });
      rows.forEach(function (row) { body.appendChild(row); });
      headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", order);
    });
  });
})();
