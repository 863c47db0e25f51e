"""The web form's HTML: plain HTML, CSS and a little JavaScript (no framework, no build step),
mobile-first, for Zalo's in-app browser. Pure: every value is escaped here; every sentence comes
from :mod:`chalicelib.conversation.texts`.

Files go from the browser straight to S3: for each chosen file the script asks
``POST <page>/uploads`` for a presigned POST, posts the file to S3, and adds a hidden ``doc``
field ``<component index>|<key>|<ticket>|<file name>`` to the form. The server re-renders the
typed values and the uploaded files on an error, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from chalicelib.conversation import texts

_STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;color:#1b1b1b;background:#f4f6f8}main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.5rem 0}h2{font-size:1.1rem;margin:0 0 .5rem}
section,fieldset{background:#fff;border:1px solid #d8dde3;border-radius:.5rem;padding:1rem;
margin:0 0 1rem}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=tel]{width:100%;padding:.65rem;font-size:1rem;border:1px solid #8a949e;
border-radius:.35rem}input[aria-invalid=true]{border-color:#b3261e;border-width:2px}
.choice label{display:inline;font-weight:400;margin-right:1rem}.hint{color:#55606b;font-size:.9rem}
.errors{border:2px solid #b3261e;background:#fdecea}.errors a{color:#b3261e}
.field-error{color:#b3261e;font-size:.9rem;margin:.25rem 0 0}ul.files{padding-left:1.2rem}
button{width:100%;padding:.85rem;font-size:1.1rem;font-weight:700;color:#fff;background:#0a5cad;
border:0;border-radius:.5rem}button[disabled]{background:#8a949e}
legend{float:left;width:100%;padding:0;margin:0 0 .25rem}legend+*{clear:both}
h3{font-size:1rem;margin:0 0 .25rem}.errors:focus{outline:3px solid #b3261e;outline-offset:2px}
input[type=radio]{width:1.25rem;height:1.25rem;margin:0 .5rem 0 0;vertical-align:-.25rem}
.choice label{display:inline-block;padding:.5rem 0}
input.file{position:absolute;width:1px;height:1px;opacity:0;overflow:hidden}
label.pick{display:inline-block;margin:.5rem 0 0;padding:.6rem 1rem;font-weight:600;color:#0a5cad;
background:#fff;border:2px solid #0a5cad;border-radius:.5rem;cursor:pointer}
input.file:focus+label.pick{outline:3px solid #0a5cad;outline-offset:2px}
.files .failed{color:#b3261e}.choice p{margin:0}
"""

_SCRIPT = """
(function(){
var form=document.getElementById('dossier'),submit=document.getElementById('submit'),busy=0;
function done(){busy--;if(!busy){submit.disabled=false;}}
function item(list,text){var li=document.createElement('li');li.textContent=text;
list.appendChild(li);return li;}
var TYPES={jpg:'image/jpeg',jpeg:'image/jpeg',png:'image/png',pdf:'application/pdf',
  docx:'application/vnd.openxmlformats-officedocument.wordprocessingml.document'};
function typeOf(file){var ext=(file.name.split('.').pop()||'').toLowerCase();
  return TYPES[ext]&&(!file.type||file.type==='application/octet-stream')?TYPES[ext]:file.type;}
function failed(li,file,reason){li.className='failed';
  li.textContent=file.name+' – '+form.getAttribute(reason);}
function upload(input,file){
  var index=input.getAttribute('data-component'),list=document.getElementById('files-'+index);
  var li=item(list,file.name+' – '+form.getAttribute('data-uploading')),type=typeOf(file);
  if(file.size>Number(form.getAttribute('data-max-bytes'))){failed(li,file,'data-too-large');return;}
  busy++;submit.disabled=true;
  fetch(location.pathname.replace(/\\/$/,'')+'/uploads',{method:'POST',
    headers:{'Content-Type':'application/json'},
    body:JSON.stringify({component:Number(index),content_type:type,size:file.size})})
  .then(function(r){if(r.status===413){throw new Error('data-too-large');}
    if(r.status===400){throw new Error('data-wrong-type');}
    if(!r.ok){throw new Error('data-failed');}return r.json();})
  .then(function(p){var data=new FormData();
    Object.keys(p.fields).forEach(function(k){data.append(k,p.fields[k]);});
    data.append('Content-Type',type);data.append('file',file);
    return fetch(p.url,{method:'POST',body:data}).then(function(r){
      if(!r.ok){throw new Error('data-failed');}
      var hidden=document.createElement('input');hidden.type='hidden';hidden.name='doc';
      hidden.value=index+'|'+p.key+'|'+p.ticket+'|'+file.name;form.appendChild(hidden);
      li.textContent=file.name+' – '+form.getAttribute('data-uploaded');});})
  .catch(function(e){var r=String(e&&e.message);
    failed(li,file,r.indexOf('data-')===0?r:'data-failed');})
  .then(done);
}
Array.prototype.forEach.call(document.querySelectorAll('input[type=file]'),function(input){
  input.addEventListener('change',function(){
    Array.prototype.forEach.call(input.files,function(f){upload(input,f);});input.value='';});});
function kind(){var org=document.getElementById('kind-organisation').checked;
  document.getElementById('row-id_number').hidden=org;
  document.getElementById('row-tax_code').hidden=!org;}
Array.prototype.forEach.call(document.querySelectorAll('input[name=kind]'),function(r){
  r.addEventListener('change',kind);});kind();
var summary=document.getElementById('error-summary');if(summary){summary.focus();}
})();
"""


@dataclass(frozen=True)
class UploadedFile:
    """A file the browser uploaded for component ``index``: its key, ticket and name."""

    index: int
    key: str
    ticket: str
    name: str

    def field_value(self) -> str:
        return f"{self.index}|{self.key}|{self.ticket}|{self.name}"


@dataclass
class FormState:
    """What the citizen has entered so far, and what is wrong with it (field, message)."""

    values: dict[str, str] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _page(title: str, body: str, script: str = "") -> str:
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main>{f'<script>{script}</script>' if script else ''}</body></html>"
    )


def message_page(title: str, message: str) -> str:
    """A page with one sentence (confirmation, expired link...)."""
    return _page(title, f"<h1>{escape(title)}</h1><section><p>{escape(message)}</p></section>")


def _text_input(
    name: str, state: FormState, kind: str = "text", autocomplete: str = "", numeric: bool = False
) -> str:
    errors = [m for f, m in state.errors if f == name]
    invalid = ' aria-invalid="true"' if errors else ""
    auto = f' autocomplete="{autocomplete}"' if autocomplete else ""
    auto += ' inputmode="numeric"' if numeric else ""  # the digits keypad on a phone
    value = escape(state.values.get(name, ""))
    error = "".join(f'<p class="field-error">{escape(m)}</p>' for m in errors)
    return (
        f'<div id="row-{name}"><label for="{name}">{escape(texts.WEBFORM_LABELS[name])}</label>'
        f'<input type="{kind}" id="{name}" name="{name}" value="{value}"{invalid}{auto}>'
        f"{error}</div>"
    )


def form_page(
    *,
    procedure_name: str,
    agency_name: str,
    components: list[str],
    state: FormState,
    max_mb: int,
) -> str:
    """The form for one procedure: error summary, applicant, one section per component, result
    delivery, submit."""
    parts = [f"<h1>{escape(texts.WEBFORM_TITLE)}</h1>"]
    parts.append(f"<p><strong>{escape(procedure_name)}</strong><br>{escape(agency_name)}</p>")
    if state.errors:
        items = "".join(f'<li><a href="#{escape(f)}">{escape(m)}</a></li>' for f, m in state.errors)
        parts.append(
            '<section class="errors" id="error-summary" tabindex="-1" role="alert">'
            f"<h2>{escape(texts.WEBFORM_ERROR_SUMMARY)}</h2><ul>{items}</ul></section>"
        )
    organisation = state.values.get("kind") == "organisation"
    parts.append(
        f'<form id="dossier" method="post" action="" novalidate '
        f'data-uploading="{escape(texts.WEBFORM_UPLOADING)}" '
        f'data-uploaded="{escape(texts.WEBFORM_UPLOADED)}" '
        f'data-failed="{escape(texts.WEBFORM_UPLOAD_FAILED)}" '
        f'data-too-large="{escape(texts.WEBFORM_UPLOAD_TOO_LARGE.format(mb=max_mb))}" '
        f'data-wrong-type="{escape(texts.WEBFORM_UPLOAD_WRONG_TYPE)}" '
        f'data-max-bytes="{max_mb * 1024 * 1024}">'
    )
    parts.append(
        f"<fieldset><legend><h2>{escape(texts.WEBFORM_APPLICANT)}</h2></legend>"
        '<div class="choice">'
        f'<input type="radio" id="kind-person" name="kind" value="person"'
        f'{"" if organisation else " checked"}><label for="kind-person">'
        f"{escape(texts.WEBFORM_KIND_PERSON)}</label>"
        f'<input type="radio" id="kind-organisation" name="kind" value="organisation"'
        f'{" checked" if organisation else ""}><label for="kind-organisation">'
        f"{escape(texts.WEBFORM_KIND_ORGANISATION)}</label></div>"
        + _text_input("name", state, autocomplete="name")
        + _text_input("id_number", state, numeric=True)
        + _text_input("tax_code", state)
        + _text_input("phone", state, "tel", "tel")
        + _text_input("address", state, autocomplete="street-address")
        + "</fieldset>"
    )
    hint = escape(texts.WEBFORM_FILE_HINT.format(mb=max_mb))
    parts.append(f'<h2 id="documents">{escape(texts.WEBFORM_COMPONENTS)}</h2>')
    for index, name in enumerate(components):
        kept = "".join(
            f"<li>{escape(f.name)} – {escape(texts.WEBFORM_UPLOADED)}</li>"
            for f in state.files
            if f.index == index
        )
        # The native file button speaks the phone's language (or English): it is hidden
        # (still focusable) behind a Vietnamese label that opens the same picker.
        parts.append(
            f'<section><h3 id="component-{index}-name">{escape(name)}</h3>'
            f'<p class="hint" id="component-{index}-hint">{hint}</p>'
            f'<input type="file" id="component-{index}" data-component="{index}" multiple '
            'accept="image/jpeg,image/png,application/pdf,.docx" class="file" '
            f'aria-labelledby="component-{index}-name" aria-describedby="component-{index}-hint">'
            f'<label class="pick" for="component-{index}">{escape(texts.WEBFORM_PICK_FILES)}'
            "</label>"
            f'<ul class="files" id="files-{index}" aria-live="polite">{kept}</ul></section>'
        )
    for uploaded in state.files:
        parts.append(f'<input type="hidden" name="doc" value="{escape(uploaded.field_value())}">')
    delivery = state.values.get("delivery", "at_agency")
    parts.append(
        f'<fieldset class="choice"><legend><h2>{escape(texts.WEBFORM_DELIVERY)}</h2></legend>'
        f'<p><input type="radio" id="delivery-at_agency" name="delivery" value="at_agency"'
        f'{" checked" if delivery != "online" else ""}><label for="delivery-at_agency">'
        f"{escape(texts.WEBFORM_DELIVERY_AT_AGENCY)}</label></p>"
        f'<p><input type="radio" id="delivery-online" name="delivery" value="online"'
        f'{" checked" if delivery == "online" else ""}><label for="delivery-online">'
        f"{escape(texts.WEBFORM_DELIVERY_ONLINE)}</label></p></fieldset>"
    )
    parts.append(
        f'<button type="submit" id="submit">{escape(texts.WEBFORM_SUBMIT)}</button></form>'
    )
    title = texts.WEBFORM_TITLE_WITH_ERRORS if state.errors else texts.WEBFORM_TITLE
    return _page(title, "".join(parts), _SCRIPT)
