// The page's behaviour: fetch the run's curves, let a person pick a user, and
// show that user's POI weights and top-10 list. Plain browser JavaScript; the
// charting library is served by the same process (no network needed).
/* global Chart */

const $ = (id) => document.getElementById(id);
let poiChart = null;
/** Every user's weights summarised per modality (fetched once; null if the run has none). */
let poiSummary;

/** Where the page keeps the access token: this tab only, gone when it closes. */
const TOKEN_KEY = "demure-token";

/** GET an API route, with the access token when the person gave one. */
async function api(url) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status === 401) {
    // No token, or a wrong one: ask for it (the server was started with --token).
    sessionStorage.removeItem(TOKEN_KEY);
    $("auth").hidden = false;
    $("token").focus();
  }
  return res;
}

async function getJson(url) {
  const res = await api(url);
  const body = await res.json();
  if (!res.ok) throw new Error(body.detail || `${res.status} ${res.statusText}`);
  return body;
}

async function showRun() {
  const health = await getJson("/health");
  $("run").textContent =
    `${health.model} · ${health.variant} · ${health.dataset} · ${health.users} users · ${health.items} items`;
  const { run, epochs } = await getJson("/runs/metrics");
  // The validation metric training selected on: its protocol's (src/train/protocol.ts).
  const metric = run.protocol === "user-split" ? "recall@50" : "ndcg@10";
  const metricLabel = metric.toUpperCase().replace("RECALL", "Recall");
  Chart.getChart($("curves"))?.destroy();
  new Chart($("curves"), {
    type: "line",
    data: {
      labels: epochs.map((e) => e.epoch),
      datasets: [
        {
          label: "training loss",
          data: epochs.map((e) => e.loss),
          yAxisID: "loss",
          borderColor: "#3b6fd8",
        },
        {
          label: `valid ${metricLabel}`,
          data: epochs.map((e) => (e.valid ? (e.valid[metric] ?? null) : null)),
          yAxisID: "ndcg",
          borderColor: "#d8753b",
        },
        // Demure's loss terms (L_rec, L_poi, L_cl before their weights), when the run logged them.
        ...lossParts(epochs).map((name, i) => ({
          label: `L_${name}`,
          data: epochs.map((e) => (e.parts ? (e.parts[name] ?? null) : null)),
          yAxisID: "loss",
          borderColor: ["#7a9be6", "#5bb37f", "#b07ad8"][i % 3],
          borderDash: [4, 3],
        })),
      ],
    },
    options: {
      animation: false,
      scales: {
        loss: { type: "linear", position: "left", title: { display: true, text: "loss" } },
        ndcg: { type: "linear", position: "right", title: { display: true, text: metricLabel } },
      },
    },
  });
  const { users } = await getJson("/users?limit=1000");
  $("users").innerHTML = users.map((u) => `<option value="${escapeHtml(u)}">`).join("");
  if (users.length > 0) $("user").value = users[0];
}

/** The names of the loss terms any epoch logged, in first-seen order. */
function lossParts(epochs) {
  const names = [];
  for (const e of epochs)
    for (const k of Object.keys(e.parts ?? {})) if (!names.includes(k)) names.push(k);
  return names;
}

async function showUser() {
  const user = $("user").value.trim();
  $("error").textContent = "";
  if (user === "") return;
  try {
    const recs = await getJson(`/users/${encodeURIComponent(user)}/recommendations?k=10`);
    const items = await Promise.all(
      recs.items.map((r) => getJson(`/items/${encodeURIComponent(r.item)}`)),
    );
    $("topk").innerHTML = recs.items
      .map((r, i) => {
        const mods = Object.entries(items[i].modalities)
          .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(String(v))}`)
          .join(" · ");
        return `<li><strong>${escapeHtml(r.item)}</strong> <span class="muted">(${r.score.toFixed(3)})</span><div class="mods">${mods}</div></li>`;
      })
      .join("");
    await showPoi(user);
  } catch (e) {
    $("error").textContent = e.message;
  }
}

async function showPoi(user) {
  const res = await api(`/users/${encodeURIComponent(user)}/poi`);
  const body = await res.json();
  if (!res.ok) {
    $("poi-note").textContent = body.detail;
    return;
  }
  if (poiSummary === undefined) {
    const all = await api("/runs/poi");
    poiSummary = all.ok ? await all.json() : null;
  }
  const labels = body.modalities.map((m) => m.modality);
  const datasets = [
    {
      label: `user ${user}`,
      data: body.modalities.map((m) => m.weight),
      backgroundColor: "#3b6fd8",
    },
  ];
  let note = `User ${user}: weight of each modality (higher = a point of interest).`;
  if (poiSummary) {
    // Beside the user, the mean over all users: what sets this user apart.
    const mean = new Map(poiSummary.modalities.map((m) => [m.modality, m.mean]));
    datasets.push({
      label: `mean of all ${poiSummary.users} users`,
      data: labels.map((name) => mean.get(name) ?? null),
      backgroundColor: "#b8bfcc",
    });
    note += ` Grey: the mean over all users; uniform is ${poiSummary.uniform.toFixed(3)}.`;
  }
  $("poi-note").textContent = note;
  const data = { labels, datasets };
  if (poiChart) poiChart.destroy();
  poiChart = new Chart($("poi"), {
    type: "bar",
    data,
    options: { animation: false, indexAxis: "y" },
  });
  $("poi").dataset.ready = "1";
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

$("show").addEventListener("click", showUser);
$("user").addEventListener("keydown", (e) => {
  if (e.key === "Enter") showUser();
});
$("auth").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("token").value.trim();
  if (token === "") return;
  sessionStorage.setItem(TOKEN_KEY, token);
  $("token").value = "";
  $("auth").hidden = true;
  $("error").textContent = "";
  start();
});

function start() {
  showRun().catch((e) => {
    $("error").textContent = e.message;
  });
}
start();
