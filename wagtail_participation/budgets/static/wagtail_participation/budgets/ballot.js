/*
 * The ballot's live status line: the running total against the envelope (knapsack ballots) or
 * the number of choices left (approval ballots), rewritten as boxes are ticked.
 *
 * Progressive enhancement only: the server writes the same line for the choices it receives and
 * checks every rule again, so the ballot works the same without this file. The sentences come
 * from the form's data attributes, already translated, with {placeholders}.
 */
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : match;
    });
  }

  function toCents(text) {
    var value = parseFloat(text);
    return isNaN(value) ? 0 : Math.round(value * 100);
  }

  function moneyFormatter(form) {
    var currency = form.getAttribute("data-currency") || "";
    var language = document.documentElement.lang || undefined;
    var numbers;
    try {
      numbers = new Intl.NumberFormat(language, { maximumFractionDigits: 0 });
    } catch (error) {
      numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
    }
    return function (cents) {
      return numbers.format(Math.round(cents / 100)) + " " + currency;
    };
  }

  function setUp(form) {
    var status = form.querySelector("[data-ballot-status]");
    if (!status) {
      return;
    }
    var boxes = form.querySelectorAll('input[type="checkbox"][name="project"]');
    var knapsack = form.getAttribute("data-kind") === "knapsack";
    var envelope = toCents(form.getAttribute("data-amount"));
    var maximum = parseInt(form.getAttribute("data-max"), 10) || 0;
    var within = form.getAttribute("data-template-within") || "";
    var over = form.getAttribute("data-template-over") || "";
    var money = moneyFormatter(form);

    function update() {
      var count = 0;
      var total = 0;
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.checked) {
          count += 1;
          total += toCents(box.getAttribute("data-cost"));
        }
      });
      var text;
      if (knapsack) {
        text = fill(total > envelope ? over : within, {
          total: money(total),
          amount: money(envelope),
          left: money(Math.max(envelope - total, 0)),
          over: money(Math.max(total - envelope, 0)),
        });
      } else {
        text = fill(maximum && count > maximum ? over : within, {
          count: count,
          max: maximum,
          left: Math.max(maximum - count, 0),
        });
      }
      if (status.textContent !== text) {
        status.textContent = text;
      }
    }

    form.addEventListener("change", update);
    // The browser may restore ticked boxes when the voter comes back to the page.
    window.addEventListener("pageshow", update);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-ballot]"), setUp);
})();
