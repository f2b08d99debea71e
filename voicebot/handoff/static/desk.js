// The agent desk: live transfers over server-sent events, the agent's actions posted back
// with the X-Requested-With header the server requires (CSRF). Served at /agent/static/desk.js.
const STATUS = {ringing: 'Timbrando', accepted: 'Aceptada', declined: 'Rechazada', connected: 'Conectada',
  completed: 'Finalizada', 'no-answer': 'Sin respuesta', busy: 'Ocupado', failed: 'Falló',
  canceled: 'Cancelada', callback: 'Llamada agendada'};
const OUTCOME = {resolved: 'Resuelto', follow_up: 'Requiere seguimiento'};
const transfers = new Map();
const main = document.getElementById('transfers');
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
async function act(id, action, body) {
  const r = await fetch(`/agent/transfers/${id}/${action}`, {method: 'POST',
    headers: {'X-Requested-With': 'voicebot-desk', 'Content-Type': 'application/json'},
    body: JSON.stringify(body || {})});
  if (!r.ok) alert(await r.text());
}
function render() {
  if (!transfers.size) return;
  main.innerHTML = [...transfers.values()].reverse().map(t => {
    const s = t.summary;
    const lines = t.transcript.map(l => `<p class="line ${l.role}"><b>${l.role === 'caller' ? 'Cliente' : 'Asistente'}:</b> ${esc(l.text)}</p>`).join('');
    const outcome = t.outcome ? `<p class="outcome">Resultado: <b>${esc(OUTCOME[t.outcome] || t.outcome)}</b> ${esc(t.notes)}</p>` : '';
    return `<section class="card transfer" data-id="${esc(t.id)}">
      <h2>${esc(s.motive)}</h2>
      <span class="status ${esc(t.status)}">${esc(STATUS[t.status] || t.status)}</span>
      <span class="meta">${esc(t.id)} · ${new Date(t.created_at * 1000).toLocaleTimeString()}</span>
      <dl><dt>Razón</dt><dd>${esc(s.reason)}</dd><dt>Cliente</dt><dd>${esc(s.customer)} · ${esc(s.sentiment)}</dd>
      <dt>Contexto</dt><dd class="context">${(s.context || []).map(esc).join('<br>') || '—'}</dd>
      <dt>Referencias</dt><dd>${esc(s.references.join(', ') || '—')}</dd>
      <dt>Hizo el asistente</dt><dd>${s.bot_actions.map(esc).join('<br>')}</dd>
      <dt>Sugerencia</dt><dd class="suggestion">${esc(s.suggested_action)}</dd></dl>
      <details><summary>Transcripción</summary>${lines}</details>${outcome}
      <div class="actions">
        <button class="accept" data-action="accept">Aceptar</button>
        <button class="secondary decline" data-action="decline">Rechazar</button>
        <button class="secondary resolved" data-action="outcome" data-outcome="resolved">Resuelto</button>
        <button class="secondary follow" data-action="outcome" data-outcome="follow_up">Requiere seguimiento</button>
      </div></section>`;
  }).join('');
}
// no inline handlers: the page's Content-Security-Policy allows only this file's script
main.addEventListener('click', e => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const id = b.closest('section.transfer').dataset.id;
  act(id, b.dataset.action, b.dataset.outcome ? {outcome: b.dataset.outcome} : undefined);
});
document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/agent/logout', {method: 'POST', headers: {'X-Requested-With': 'voicebot-desk'}});
  location.href = '/agent';
});
const events = new EventSource('/agent/events');
events.onmessage = e => { const t = JSON.parse(e.data); transfers.set(t.id, t); render(); };
