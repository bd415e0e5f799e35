/// `draw.js`: strokes on the pad become a PNG, which `POST /api/runs/ID/predict` converts the
/// way `report predict` does. The pad is painted opaque white before any stroke, so the PNG has
/// no transparent pixels and dark ink on a light ground, which the server inverts to MNIST's white
/// on black (it would also count transparency as white). Strokes are 18 px on a 280 px pad: the
/// ink's bounding box is fitted into 20 of 28 pixels, so a digit drawn across most of the pad
/// keeps strokes about 2 px wide, as MNIST's are.
enum DrawScript {
  static let source = #"""
    "use strict";
    (() => {
      const run = document.currentScript.dataset.run;
      const pad = document.getElementById("pad");
      const pen = pad.getContext("2d");
      let drawing = false, inked = false, timer = null, asked = 0;
      document.body.dataset.predictions = "0";

      function blank() {
        pen.globalCompositeOperation = "source-over";
        pen.fillStyle = "#ffffff";
        pen.fillRect(0, 0, pad.width, pad.height);
        inked = false;
      }
      function point(event) {
        const box = pad.getBoundingClientRect();
        return [(event.clientX - box.left) * pad.width / box.width,
                (event.clientY - box.top) * pad.height / box.height];
      }
      pen.lineWidth = 18; pen.lineCap = "round"; pen.lineJoin = "round"; pen.strokeStyle = "#000000";

      pad.addEventListener("pointerdown", event => {
        event.preventDefault();
        pad.setPointerCapture(event.pointerId);
        drawing = true;
        const [x, y] = point(event);
        // A dot of its own: a canvas strokes no zero-length line, so a tap would leave no ink.
        pen.fillStyle = "#000000";
        pen.beginPath(); pen.arc(x, y, pen.lineWidth / 2, 0, 2 * Math.PI); pen.fill();
        pen.beginPath(); pen.moveTo(x, y);
        inked = true;
      });
      pad.addEventListener("pointermove", event => {
        if (!drawing) return;
        const [x, y] = point(event);
        pen.lineTo(x, y); pen.stroke();
        schedule(150);
      });
      for (const end of ["pointerup", "pointercancel"]) {
        pad.addEventListener(end, () => { if (drawing) { drawing = false; schedule(0); } });
      }
      document.getElementById("clear").addEventListener("click", () => {
        blank();
        document.getElementById("bars").replaceChildren();
        document.getElementById("seen").getContext("2d").clearRect(0, 0, 28, 28);
      });

      function schedule(delay) {
        clearTimeout(timer);
        timer = setTimeout(predict, delay);
      }

      async function predict() {
        if (!inked) return;
        const ticket = ++asked;
        // toDataURL encodes at once; Chromium's toBlob waits for an idle moment (up to a second).
        const png = Uint8Array.from(atob(pad.toDataURL("image/png").split(",")[1]), c => c.charCodeAt(0));
        const error = document.getElementById("error");
        try {
          const response = await fetch("/api/runs/" + encodeURIComponent(run) + "/predict",
            {method: "POST", headers: {"Content-Type": "image/png"}, body: png});
          const answer = await response.json();
          if (!response.ok) throw new Error(answer.error || response.statusText);
          if (ticket !== asked) return;
          error.textContent = "";
          show(answer);
        } catch (problem) {
          error.textContent = String(problem.message || problem);
        }
      }

      function show(answer) {
        const bars = document.getElementById("bars");
        bars.replaceChildren();
        answer.probabilities.forEach((p, k) => {
          const label = document.createElement("span"); label.textContent = answer.classes[k];
          const bar = document.createElement("div");
          bar.className = "bar" + (k === answer.class ? " best" : "");
          bar.style.width = (240 * p).toFixed(1) + "px";
          const value = document.createElement("span"); value.textContent = (100 * p).toFixed(1) + "%";
          bars.append(label, bar, value);
        });
        const seen = document.getElementById("seen").getContext("2d");
        const image = seen.createImageData(28, 28);
        answer.image.forEach((v, i) => {
          image.data.set([v, v, v, 255], 4 * i);
        });
        seen.putImageData(image, 0, 0);
        window.lastPrediction = answer;
        document.body.dataset.predicted = String(answer.class);
        document.body.dataset.predictions = String(Number(document.body.dataset.predictions) + 1);
      }

      blank();
    })();
    """#
}
