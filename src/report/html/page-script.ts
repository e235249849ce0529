// The script report.html carries inline: it switches the heatmap's view, draws the gallery
// from the digit sprite and filters it. Plain ES2017 that any current browser runs; it
// fetches nothing, and the page's content security policy would refuse it if it tried.

/** The script's source, placed in a <script> element at the end of the page. */
export const PAGE_SCRIPT = String.raw`
'use strict';
(function () {
  var heatmap = document.getElementById('heatmap');
  var cells = heatmap.querySelectorAll('td');

  function showView(view) {
    cells.forEach(function (cell) {
      cell.textContent = cell.dataset.text.split('|')[view];
      cell.style.background = cell.dataset.background.split('|')[view];
      cell.style.color = cell.dataset.color.split('|')[view];
    });
    heatmap.dataset.view = String(view);
    var input = document.querySelector('input[name="heatmap-view"][value="' + view + '"]');
    document.getElementById('heatmap-view-name').textContent = input.parentNode.textContent
      .trim();
  }
  document.querySelectorAll('input[name="heatmap-view"]').forEach(function (input) {
    input.addEventListener('change', function () { showView(Number(input.value)); });
    if (input.checked) showView(Number(input.value));
  });

  var data = JSON.parse(document.getElementById('mistake-data').textContent);
  var gallery = document.getElementById('gallery');
  var filterTrue = document.getElementById('filter-true');
  var filterPredicted = document.getElementById('filter-predicted');
  var countLine = document.getElementById('gallery-count');
  var cards = [];

  function applyFilters() {
    var wantedTrue = filterTrue.value;
    var wantedPredicted = filterPredicted.value;
    var shown = 0;
    cards.forEach(function (card) {
      var isShown = (wantedTrue === '' || card.dataset.true === wantedTrue) &&
        (wantedPredicted === '' || card.dataset.predicted === wantedPredicted);
      card.hidden = !isShown;
      if (isShown) shown++;
    });
    countLine.textContent = shown + ' of ' + cards.length + ' shown';
  }
  filterTrue.addEventListener('change', applyFilters);
  filterPredicted.addEventListener('change', applyFilters);
  document.getElementById('filter-clear').addEventListener('click', function () {
    filterTrue.value = '';
    filterPredicted.value = '';
    applyFilters();
  });

  function showPair(trueClass, predictedClass) {
    filterTrue.value = trueClass;
    filterPredicted.value = predictedClass;
    applyFilters();
  }

  // a click on a mistake cell of the heatmap shows those images
  heatmap.addEventListener('click', function (event) {
    var cell = event.target.closest('td.other');
    if (!cell || cell.dataset.text.split('|')[0] === '0') return;
    showPair(cell.dataset.row, cell.dataset.column);
    document.getElementById('mistakes').scrollIntoView({ behavior: 'smooth' });
  });
  document.querySelectorAll('.pairs button').forEach(function (button) {
    button.addEventListener('click', function () {
      showPair(button.dataset.true, button.dataset.predicted);
    });
  });

  function card(item, sprite, position) {
    var figure = document.createElement('figure');
    figure.className = 'mistake';
    figure.dataset.true = String(item[1]);
    figure.dataset.predicted = String(item[2]);

    var canvas = document.createElement('canvas');
    canvas.width = data.columns;
    canvas.height = data.rows;
    var context = canvas.getContext('2d');
    var left = (position % data.spriteColumns) * data.columns;
    var top = Math.floor(position / data.spriteColumns) * data.rows;
    context.drawImage(sprite, left, top, data.columns, data.rows, 0, 0, data.columns, data.rows);
    canvas.setAttribute('aria-label', 'image ' + item[0]);

    var caption = document.createElement('figcaption');
    var heading = document.createElement('div');
    heading.className = 'labels';
    heading.innerHTML = '<b>' + item[1] + '</b> → <b class="wrong">' + item[2] + '</b>' +
      '<span class="index">#' + item[0] + '</span>';
    // the top classes, and the true class after them when it is not among them
    var top3 = document.createElement('ol');
    var isTrueShown = false;
    var addEntry = function (label, percent, prefix) {
      var entry = document.createElement('li');
      entry.textContent = prefix + label + ': ' + percent.toFixed(1) + '%';
      if (label === item[1]) entry.className = 'true-class';
      top3.appendChild(entry);
    };
    for (var k = 2; k < item.length - 1; k += 2) {
      addEntry(item[k], item[k + 1], '');
      if (item[k] === item[1]) isTrueShown = true;
    }
    if (!isTrueShown) addEntry(item[1], item[item.length - 1], 'true ');
    caption.appendChild(heading);
    caption.appendChild(top3);
    figure.title = 'image ' + item[0] + ': true ' + item[1] + ', predicted ' + item[2] +
      ' with ' + item[3].toFixed(1) + '%';
    figure.appendChild(canvas);
    figure.appendChild(caption);
    return figure;
  }

  function drawGallery(sprite) {
    var fragment = document.createDocumentFragment();
    data.items.forEach(function (item, position) {
      var figure = card(item, sprite, position);
      cards.push(figure);
      fragment.appendChild(figure);
    });
    gallery.appendChild(fragment);
    applyFilters();
    document.body.dataset.galleryReady = 'true';
  }

  var sprite = document.getElementById('digit-sprite');
  if (!sprite) {
    countLine.textContent = 'no misclassified images';
    document.body.dataset.galleryReady = 'true';
  } else if (sprite.complete) {
    drawGallery(sprite);
  } else {
    sprite.addEventListener('load', function () { drawGallery(sprite); });
  }
})();
`;
