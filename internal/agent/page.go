package agent

import "net/http"

// statusPage is the anchor's view: it polls /status and renders it with
// textContent only, so nothing from a URL or an error message is ever
// interpreted as HTML.
const statusPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>livestudio agent</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;background:#111;color:#eee}
table{border-collapse:collapse;width:100%}td,th{padding:.4em .6em;border-bottom:1px solid #333;text-align:left}
.live,.publishing{color:#4c4}.backoff,.connecting{color:#fc4}.stopped{color:#888}.err{color:#f77;font-size:12px}.whip{color:#9bd;font-size:12px}
</style></head><body>
<h1>livestudio agent</h1>
<table><thead><tr><th>channel</th><th>source</th><th>in</th><th>fps</th><th>push</th><th>out</th><th>reconnects</th><th>URL expires</th></tr></thead>
<tbody id="rows"></tbody></table>
<p><a href="/status">/status</a> · <a href="/metrics">/metrics</a></p>
<script>
function cell(tr, text, cls){const td=document.createElement('td');td.textContent=text;if(cls)td.className=cls;tr.appendChild(td);return td}
function kbps(b){return (b/1000).toFixed(0)+' kb/s'}
async function refresh(){
  try{
    const s=await (await fetch('/status')).json();const rows=document.getElementById('rows');rows.replaceChildren();
    for(const c of s.channels){
      const tr=document.createElement('tr');cell(tr,c.name);
      const src=cell(tr,c.source.type+' '+c.source.state,c.source.state);
      if(c.source.last_error){const e=document.createElement('div');e.className='err';e.textContent=c.source.last_error;src.appendChild(e)}
      const w=c.source.whip;
      if(w){const e=document.createElement('div');e.className='whip';e.textContent='WHIP '+w.remote+' · '+(w.codecs||[]).join(', ')+' · '+kbps(w.bitrate_bps)+' · lost '+w.packets_lost+' · NACKed '+w.packets_nacked+' · PLIs '+w.plis_sent;src.appendChild(e)}
      cell(tr,kbps(c.source.bitrate_in_bps));cell(tr,c.source.fps.toFixed(1));
      const p=cell(tr,c.push.state,c.push.state);
      if(c.push.last_error){const e=document.createElement('div');e.className='err';e.textContent=c.push.last_error;p.appendChild(e)}
      cell(tr,kbps(c.push.bitrate_out_bps));cell(tr,String(c.push.reconnects));cell(tr,c.push.url_expiry||'-');
      rows.appendChild(tr);
    }
  }catch(e){}
}
refresh();setInterval(refresh,2000);
</script></body></html>`

func (a *Agent) handlePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	w.Write([]byte(statusPage))
}
