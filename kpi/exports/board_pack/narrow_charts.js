/* The HTML board pack's charts on a narrow screen (a phone). Built for a page as wide as A4, a chart at
   390 px had its title cut off under Plotly's toolbar and a plot a third of the screen wide beside the
   icons. While a chart is narrower than NARROW, its title wraps onto lines that fit, under the toolbar;
   what stands beside the plot (the variation and assurance icons and their names, given in words above
   every chart) is hidden, so the plot takes that width; rows labelled "CODE: words" (the milestones) are
   labelled by their code, the words being in the table under the chart and in each point's hover; and
   the chart grows by the title's extra lines, so the plot keeps its height. Wider again, the chart is as it was built. Fixed code, no data: the pack
   inserts it once, after the charts. */
(function () {
  "use strict";
  var NARROW = 600; // px: a chart narrower than this is laid out for a phone
  var TOOLBAR = 34; // px kept clear above the title for Plotly's toolbar (26 px high)
  var CHAR = 0.56; // a character's mean width in Arial, in ems

  function wrap(text, chars) {
    var lines = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > chars) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) lines.push(line);
    return lines;
  }

  // What is drawn beside the plot, right of it: the icons and their names.
  function beside(item) {
    return item.xref === "paper" && Number(item.x) >= 1;
  }

  // The row labels of a chart whose every row is "CODE: words" (the milestone timeline), else none.
  function codedRows(gd) {
    var rows = [];
    (gd.data || []).forEach(function (trace) {
      // y may be a typed array, or Plotly's {dtype, bdata} form of one: no labels there
      Array.prototype.forEach.call(Array.isArray(trace.y) ? trace.y : [], function (y) {
        if (rows.indexOf(y) < 0) rows.push(y);
      });
    });
    var coded = rows.length > 0 && rows.every(function (y) {
      return typeof y === "string" && /^[A-Z0-9_]+: /.test(y);
    });
    return coded ? rows : [];
  }

  function asBuilt(gd) {
    if (!gd._kpiBuilt) {
      var layout = gd.layout;
      var title = layout.title || {};
      gd._kpiBuilt = {
        title: typeof title === "string" ? title : title.text || "",
        size: (title.font && title.font.size) || 17,
        // null puts back Plotly's default where the chart set none
        x: title.x === undefined ? null : title.x,
        xref: title.xref || null,
        padLeft: (title.pad && title.pad.l) || 0,
        y: title.y === undefined ? null : title.y,
        yref: title.yref || null,
        yanchor: title.yanchor || null,
        pad: (title.pad && title.pad.t) || 0,
        top: (layout.margin && layout.margin.t) || 56,
        right: (layout.margin && layout.margin.r) || 10,
        height: layout.height || gd.clientHeight,
        images: (layout.images || []).map(function (i) { return beside(i) && i.visible !== false; }),
        notes: (layout.annotations || []).map(function (a) { return beside(a) && a.visible !== false; }),
        rows: codedRows(gd),
      };
    }
    return gd._kpiBuilt;
  }

  function fit(gd) {
    if (!gd.layout || !window.Plotly) return;
    var built = asBuilt(gd);
    var width = gd.clientWidth;
    var narrow = width > 0 && width < NARROW;
    var update = {};
    var height = built.height;
    if (narrow) {
      var lines = built.title ? wrap(built.title, Math.floor((width - 16) / (built.size * CHAR))) : [];
      // Plotly draws a title of several lines about 12 px higher than its pad says: pad it the more.
      var pad = TOOLBAR + (lines.length > 1 ? 15 : 0);
      var top = pad + Math.ceil(lines.length * built.size * 1.3) + 16;
      height = built.height + Math.max(0, top - built.top);
      update = {
        "title.text": lines.join("<br>"),
        // from the chart's left edge, not the plot's, so that the lines have the width they were cut to
        "title.x": 0, "title.xref": "container", "title.pad.l": 8,
        "title.y": 1, "title.yref": "container", "title.yanchor": "top", "title.pad.t": pad,
        "margin.t": Math.max(top, built.top), "margin.r": 10, "height": height, "autosize": true,
      };
    } else {
      update = {
        "title.text": built.title,
        "title.x": built.x, "title.xref": built.xref, "title.pad.l": built.padLeft,
        "title.y": built.y, "title.yref": built.yref, "title.yanchor": built.yanchor, "title.pad.t": built.pad,
        "margin.t": built.top, "margin.r": built.right, "height": height, "autosize": true,
      };
    }
    if (built.rows.length) {
      update["yaxis.tickmode"] = narrow ? "array" : null;
      update["yaxis.tickvals"] = narrow ? built.rows : null;
      update["yaxis.ticktext"] = narrow ? built.rows.map(function (y) { return y.split(":")[0]; }) : null;
    }
    built.images.forEach(function (isBeside, i) {
      if (isBeside) update["images[" + i + "].visible"] = !narrow;
    });
    built.notes.forEach(function (isBeside, i) {
      if (isBeside) update["annotations[" + i + "].visible"] = !narrow;
    });
    var unchanged = narrow === (gd._kpiNarrow || false) && (!narrow || width === gd._kpiWidth);
    if (unchanged) return; // as built on a wide screen, or already fitted to this width
    gd._kpiNarrow = narrow;
    gd._kpiWidth = width;
    // The chart fills a box of the height it was built at (Plotly's to_html): that box grows with it.
    var box = gd.style.height === "100%" && gd.parentElement ? gd.parentElement : gd;
    box.style.height = height + "px";
    window.Plotly.relayout(gd, update);
  }

  function fitAll() {
    document.querySelectorAll(".js-plotly-plot").forEach(fit);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(fitAll, 150);
  });
  if (document.readyState === "complete") fitAll();
  else window.addEventListener("load", fitAll);
})();
