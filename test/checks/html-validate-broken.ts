/**
 * Deliberately broken documents for html-validate's selector-heavy rules
 * (duplicate ids, labels, forms, landmarks, headings, content models, …),
 * written out in full so their lines and columns do not move when other
 * fixtures change. test/checks/html-validate-patch.test.ts holds the exact
 * messages unpatched html-validate 10.17.0 reported for each; the patch in
 * patches/ must not change one of them.
 */

const head = (title = 'Broken fixture') => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
</head>`;

export const brokenDocuments: Record<string, string> = {
  'duplicate-ids': `${head()}
<body>
<main id="main">
<h1 id="top">Ids</h1>
<p id="twice">One</p>
<p id="twice">Two</p>
<div id="1a">Starts with a digit</div>
<div id="1a">Starts with a digit again</div>
<p id="with space">Space</p>
<p id="">Empty</p>
<template><p id="twice">Inside a template is its own scope</p><p id="tpl">A</p><p id="tpl">B</p></template>
<svg><g id="twice"></g></svg>
</main>
</body>
</html>
`,

  'landmarks': `${head()}
<body>
<header><nav><a href="/">Home</a></nav></header>
<nav><a href="/a">A</a></nav>
<nav aria-label="Same"><a href="/b">B</a></nav>
<nav aria-label="Same"><a href="/c">C</a></nav>
<aside><p>One aside</p></aside>
<aside><p>Another aside</p></aside>
<section aria-label="Region"><p>Region</p></section>
<section aria-label="Region"><p>Region again</p></section>
<form aria-label="Search"><input type="search" aria-label="Query"></form>
<form aria-label="Search"><input type="search" aria-label="Query"></form>
<main><h1>Main</h1></main>
<main><h2>Second main</h2></main>
<div role="main">Third main by role</div>
<div role="navigation">Role nav</div>
<div role="complementary" aria-labelledby="missing-id">Labelled by nothing</div>
<footer><p>Footer</p></footer>
<div role="contentinfo"><p>Footer by role</p></div>
</body>
</html>
`,

  'form-labels': `${head()}
<body>
<main>
<h1>Forms</h1>
<form action="/send" method="post">
<input name="nolabel" type="text">
<input id="a1" name="a1" type="text">
<label for="a1">First</label>
<label for="a1">Second label for the same control</label>
<label>Wrapping <input id="wrapped" name="wrapped" type="text"></label>
<label for="wrapped">Also for wrapped</label>
<label for="inside">Redundant for <input id="inside" name="inside" type="text"></label>
<label for="nowhere">Points at nothing</label>
<label for="para">Points at a paragraph</label>
<p id="para">Not labelable</p>
<label><input name="two1" type="text"><input name="two2" type="text"></label>
<select name="pick"><option>One</option></select>
<textarea name="notes"></textarea>
<input type="hidden" name="secret">
<input name="dup" type="text" aria-label="Dup one">
<input name="dup" type="text" aria-label="Dup two">
<input name="radio" type="radio" aria-label="R1"><input name="radio" type="radio" aria-label="R2">
<input name="radio" type="text" aria-label="Not a radio">
<input name="cb[]" type="checkbox" aria-label="C1"><input name="cb[]" type="checkbox" aria-label="C2">
<fieldset disabled><input name="dup" type="text" aria-label="Disabled dup"></fieldset>
<input type="text" aria-label="Implicit" id="implicit" name="implicit">
<label for="implicit">Redundant aria-label</label>
<input name="noType">
<button>No type</button>
<button type="button">Typed</button>
<input type="submit" value="">
<input type="image" src="/go.png" name="go">
<input type="text" name="ac" autocomplete="shipping billing name">
<input type="password" name="pw" autocomplete="off">
<input type="text" name="tel" autocomplete="tel email">
<input type="email" name="mail" autocomplete="shipping email home">
</form>
<form action="/other"><input name="dup" type="text" aria-label="Other form"></form>
<template><input name="dup" type="text" aria-label="Template"></template>
<input type="text" name="orphan" form="nosuchform" aria-label="Orphan">
</main>
</body>
</html>
`,

  'forms-without-submit': `${head()}
<body>
<main>
<h1>Submit buttons</h1>
<form action="/a"><input name="q" type="search" aria-label="Q"></form>
<form action="/b" id="has-external"><input name="q2" type="search" aria-label="Q2"></form>
<button type="submit" form="has-external">External submit</button>
<form action="/c"><input name="q3" type="search" aria-label="Q3"><button type="button">Not a submit</button></form>
<form action="/d"><fieldset><legend>Nested</legend><div><input type="submit" value="Go"></div></fieldset></form>
<form action="/e"><button>Implicit submit</button></form>
<form action="/f"><input type="image" src="/i.png" alt=""></form>
<form action="/g"><form action="/h"><input type="submit" value="Nested form"></form></form>
</main>
</body>
</html>
`,

  'headings': `${head()}
<body>
<main>
<h2>Starts at h2</h2>
<h1>Then h1</h1>
<h3>Skips h2</h3>
<h6>Jumps to six</h6>
<h4></h4>
<h5><img src="/x.png" alt=""></h5>
<h5><img src="/x.png" alt="Alt text"></h5>
<h5><svg><title>Svg title</title></svg></h5>
<h5 aria-hidden="true">Hidden heading</h5>
<h5><span aria-hidden="true">Hidden content</span></h5>
<section><h1>Sectioning root h1</h1><h3>Skip inside</h3></section>
<dialog><h2>Dialog heading</h2><h4>Skip in dialog</h4></dialog>
<div role="heading" aria-level="2">Role heading</div>
<div role="heading">Role heading without level</div>
<fieldset disabled><h3>In disabled fieldset</h3></fieldset>
</main>
</body>
</html>
`,

  'tables': `${head()}
<body>
<main>
<h1>Tables</h1>
<table><tr><td>No th, no tbody</td></tr></table>
<table><tr><th>Head</th></tr><tr><td>Cell</td></tr></table>
<table><thead><tr><td>Head cell is td</td><td>B</td></tr></thead><tbody><tr><td>1</td><td>2</td></tr></tbody></table>
<table><caption>Captioned</caption><tbody><tr><th scope="col">A</th><th scope="col">B</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>
<table><tbody><tr><th>No scope</th><th>At all</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>
<table><caption>One</caption><caption>Two captions</caption><tbody><tr><td>x</td></tr></tbody></table>
<table><tfoot><tr><td>Foot first</td></tr></tfoot><thead><tr><th>Head later</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>
<table><thead><tr><th>A</th></tr></thead><thead><tr><th>Second thead</th></tr></thead><tbody><tr><td>x</td></tr></tbody></table>
<table><tbody><tr><td><table><tr><td>Nested</td></tr></table></td></tr></tbody></table>
<table><tr><td>Row</td></tr><tbody><tr><td>Mixed</td></tr></tbody></table>
<table><div>Div in a table</div></table>
</main>
</body>
</html>
`,

  'content-models': `${head()}
<body>
<main>
<h1>Content</h1>
<ul><p>Not an item</p><li>Item</li><div>Div in list</div></ul>
<ol><li>One</li>Text in a list</ol>
<dl><dd>dd before dt</dd><dt>Term</dt><div><dt>In a div</dt><dd>ok</dd></div><p>p in dl</p></dl>
<select name="s" aria-label="S"><div>Div in select</div><option>One</option><optgroup label="G"><optgroup label="Nested"></optgroup></optgroup></select>
<a href="/x"><a href="/y">Nested link</a></a>
<button type="button"><a href="/z">Link in button</a></button>
<button type="button"><input name="in-button" aria-label="In button"></button>
<p><div>Block in p</div></p>
<span><div>Block in span</div></span>
<figure><figcaption>First</figcaption><img src="/f.png" alt="F"><figcaption>Second</figcaption></figure>
<details><p>No summary</p></details>
<details><summary>One</summary><summary>Two</summary></details>
<picture><img src="/p.png" alt="P"><source srcset="/p.webp"></picture>
<fieldset><p>Before legend</p><legend>Late legend</legend></fieldset>
<label>One <label>Nested label</label></label>
<form action="/x"><form action="/y"></form></form>
<header><header>Nested header</header></header>
<footer><main>Main in footer</main></footer>
<address><h2>Heading in address</h2></address>
<video src="/v.mp4" controls><div>Fallback div</div></video>
<audio src="/a.mp3" autoplay></audio>
<ruby>Kan<rt>kan</rt></ruby>
<hgroup><p>Only a p</p></hgroup>
<menu><p>Not li</p></menu>
<li>Orphan li</li>
<dt>Orphan dt</dt>
<option>Orphan option</option>
<td>Orphan cell</td>
<legend>Orphan legend</legend>
<summary>Orphan summary</summary>
<area href="/orphan" alt="Orphan area">
<source src="/orphan.mp4">
<meta name="in-body" content="x">
<title>Second title in body</title>
<base href="/">
<link rel="stylesheet" href="/in-body.css">
<style>p { color: red; }</style>
</main>
</body>
</html>
`,

  'required-content': `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
</head>
<body>
<main>
<h1>Required content</h1>
<dl></dl>
<ul></ul>
<select name="empty" aria-label="Empty"></select>
<datalist id="dl"></datalist>
<details></details>
<fieldset></fieldset>
<table></table>
<tr></tr>
<picture></picture>
<audio></audio>
<video></video>
<object></object>
<map name="m"></map>
<ruby></ruby>
<hgroup></hgroup>
<colgroup></colgroup>
<iframe></iframe>
<img>
<script></script>
<textarea name="t"></textarea>
<a>No href</a>
<html></html>
</main>
</body>
</html>
`,

  'empty-head': `<!DOCTYPE html>
<html>
<head><title></title><title>Second</title></head>
<body><p>No main, no h1</p></body>
</html>
`,

  'native-elements': `${head()}
<body>
<main>
<h1>Roles</h1>
<div role="button" tabindex="0">Fake button</div>
<span role="link" tabindex="0">Fake link</span>
<div role="checkbox" aria-checked="false" tabindex="0">Fake checkbox</div>
<div role="textbox" contenteditable="true">Fake textbox</div>
<div role="list"><div role="listitem">Fake list</div></div>
<div role="heading" aria-level="3">Fake heading</div>
<div role="article">Fake article</div>
<div role="banner">Fake banner</div>
<div role="table"><div role="row"><div role="cell">Fake table</div></div></div>
<button type="button" role="button">Redundant role</button>
<a href="/" role="link">Redundant link role</a>
<ul role="list"><li role="listitem">Redundant list roles</li></ul>
<nav role="navigation"><a href="/">Redundant nav role</a></nav>
<input type="checkbox" role="checkbox" name="c" aria-label="C">
<div role="command">Abstract-ish</div>
<div role="widget">Abstract</div>
<div role="structure">Abstract too</div>
<div role="presentation" tabindex="0">Focusable presentation</div>
<img src="/x.png" role="presentation" alt="Should be empty">
<img src="/x.png" role="none">
<input type="submit" value="Submit" role="button">
<div aria-label="Label on a div">Misused label</div>
<span aria-label="Label on a span">Misused</span>
<p aria-label="Label on a p">Misused</p>
<div aria-hidden="true"><a href="/hidden">Hidden focusable</a><button type="button">Hidden button</button></div>
<button type="button" aria-hidden="true">Hidden itself</button>
<a href="/x" tabindex="-1" aria-hidden="true">Not focusable</a>
<div aria-hidden="true" tabindex="0">Hidden tabindex</div>
<svg aria-hidden="true" focusable="true"><title>Svg</title></svg>
<input type="button" value="Input button">
<input type="submit" value="Input submit">
<input type="reset" value="Input reset">
</main>
</body>
</html>
`,

  'text-content': `${head()}
<body>
<main>
<h1>Text content</h1>
<button type="button"></button>
<button type="button"> </button>
<button type="button"><img src="/i.png" alt=""></button>
<button type="button"><img src="/i.png" alt="Icon"></button>
<button type="button" aria-label="Labelled"></button>
<button type="button" aria-labelledby="lbl"></button>
<span id="lbl">Label text</span>
<button type="button" aria-labelledby="nope"></button>
<button type="button"><span aria-hidden="true">Hidden text</span></button>
<button type="button"><svg><title>Svg title</title></svg></button>
<button type="button" title="Title only"></button>
<a href="/a"></a>
<a href="/b"><img src="/b.png" alt=""></a>
<a href="/c"><img src="/c.png"></a>
<a href="/d"><img src="/d.png" alt="D"></a>
<a href="/e" aria-label="E"></a>
<a href="/f"><svg></svg></a>
<a href="/g"><span aria-label="Inner label"></span></a>
<a href="/h"><img src="/h.png" alt=""><img src="/h2.png" alt="H2"></a>
<label for="tc-i"></label><input id="tc-i" name="tc-i" type="text">
<summary></summary>
<p>Raw & ampersand, < less-than, > greater-than</p>
<p>Unknown entity &nosuchentity; and &amp; and &copy and &#x41;</p>
<a href="tel:+1 555 123 4567">Tel with spaces</a>
<a href="tel:+15551234567">+1 555 123 4567</a>
<p style="color: red">Inline style</p>
<img src="/no-dims.png">
<img src="/alt-empty.png" alt="">
<img src="/alt-title.png" title="title only">
<img src="/alt-aria.png" aria-label="aria">
<img src="/alt-labelledby.png" aria-labelledby="lbl">
<input type="image" src="/go.png" name="img-no-alt">
<input type="image" src="/go.png" name="img-empty-alt" alt="">
<object data="/movie.swf"></object>
<embed src="/e.swf">
<abbr>No title</abbr>
<acronym title="Deprecated">DEP</acronym>
<center>Deprecated center</center>
<font color="red">Deprecated font</font>
<marquee>Marquee</marquee>
<big>Big</big>
<tt>Tt</tt>
<blink>Blink</blink>
<p align="center">Deprecated attribute</p>
<table border="1" cellpadding="2"><tbody><tr><td bgcolor="red">x</td></tr></tbody></table>
<br/>
<div/>
<img src="/self.png" alt="Self" />
<input name="self" aria-label="Self" />
<p>Trailing whitespace   
</p>
<P>Upper case</P>
<p CLASS="upper">Upper attr</p>
<p class="a a b">Duplicate class</p>
<p class='single'>Single quotes</p>
<p class=unquoted>Unquoted</p>
<p id="x1"title="no space">No attribute spacing</p>
<p hidden="hidden">Boolean with value</p>
<input name="empty-attr" aria-label="E" disabled="">
<input name="dup-attr" name="dup-attr2" aria-label="D">
<p lang="en" lang="fr">Duplicate lang</p>
<div dir="sideways">Bad dir</div>
<input type="nosuchtype" name="bad-type" aria-label="Bad type">
<a href="/x" target="_blank2">Bad target</a>
<img src="/x.png" alt="X" loading="sometimes">
<iframe src="/frame" title="F" sandbox="allow-everything"></iframe>
<meta http-equiv="refresh" content="5; url=/later">
<script type="text/javascript">var a = 1;</script>
<script src="/x.js" type="module" async defer></script>
<script src="https://cdn.example/x.js"></script>
<link rel="stylesheet" href="https://cdn.example/x.css">
<custom-element>Custom</custom-element>
<foo>Unknown element</foo>
<x-Bad>Bad custom name</x-Bad>
<map name="m1"><area href="/a" shape="rect" coords="0,0,1,1"><area href="/b" alt=""><area alt="No href"></map>
<map name="m1" id="m2"><area href="/c" alt="C"></map>
<img src="/map.png" alt="Map" usemap="#m1">
<!--[if IE]><p>Conditional</p><![endif]-->
</main>
</body>
</html>
`,

  'close-and-void': `${head()}
<body>
<main>
<h1>Closing</h1>
<div><span>Unclosed span</div>
<p>Unclosed p
<div>Closes the p implicitly</div>
<em><strong>Misnested</em></strong>
</section>
<br></br>
<input name="closed-void" aria-label="C"></input>
<img src="/x.png" alt="Void with content">content</img>
<li>Orphan li closes</li>
<ul><li>One<li>Two</ul>
<table><tr><td>One<td>Two</table>
<p>Para<p>Para two
<select name="opt" aria-label="Opt"><option>One<option>Two</select>
<dl><dt>T<dd>D</dl>
<div class="x">Attribute close <span class="y"/> self-closed span</div>
<svg viewBox="0 0 1 1"><path d="M0 0"/><circle r="1"/></svg>
<math><mi>x</mi></math>
<textarea name="ta">Text <b>not a tag</b></textarea>
<script>if (a < b && c > d) {}</script>
<div>
</main>
</body>
`,

  'ids-and-references': `${head()}
<body>
<main>
<h1 id="title">References</h1>
<div aria-labelledby="title missing1">Labelled</div>
<div aria-describedby="missing2">Described</div>
<div aria-controls="missing3 title">Controls</div>
<div aria-owns="missing4">Owns</div>
<div aria-activedescendant="missing5">Active</div>
<div aria-flowto="missing6">Flow</div>
<div aria-details="missing7">Details</div>
<div aria-errormessage="missing8">Error</div>
<input list="missing9" name="l" aria-label="L">
<label for="missing10">Missing</label>
<label for="title">Not labelable</label>
<label for=" spaced ">Spaced</label>
<output for="missing11 title" name="o"></output>
<td headers="missing12">Headers</td>
<a href="#missing13">Fragment</a>
<a href="#title">Fragment ok</a>
<img src="/x.png" alt="X" usemap="#missing14">
<p id="has:colon">Colon</p>
<p id="has.dot">Dot</p>
<p id="has[bracket]">Bracket</p>
<p id='has"quote'>Quote</p>
<p id="ünïcödé">Unicode</p>
<label for="has:colon">For colon</label>
<label for="has.dot">For dot</label>
<label for='has"quote'>For quote</label>
<input id="has:colon2" name="c2" type="text"><label for="has:colon2">Colon control</label><label for="has:colon2">Colon twice</label>
<input id="9digits" name="d9" type="text"><label for="9digits">Digit control</label><label for="9digits">Digit twice</label>
<input id="tab&#9;id" name="tab" type="text"><label for="tab&#9;id">Tab id</label>
<p class="">Empty class</p>
<p class="bad&class">Bad class</p>
<p id="dup-ref">A</p><p id="dup-ref">B</p>
<div aria-labelledby="dup-ref">Labelled by a duplicate</div>
</main>
</body>
</html>
`,

  'large-nested': `${head('Large nested document')}
<body>
<main>
<h1>Deep</h1>
${Array.from({ length: 40 }, (_, i) => `<section id="s${i}" aria-label="Section ${i % 7}">
<h2 id="h${i}">Section ${i}</h2>
<div class="wrap">${'<div>'.repeat(12)}<p id="p${i % 9}">Deep ${i} <a href="#h${(i * 7) % 45}">link</a> <input name="f${i % 5}" id="f${i}" type="text"><label for="f${i}">F${i}</label><label for="f${(i + 1) % 40}">Next</label></p>${'</div>'.repeat(12)}</div>
<ul>${Array.from({ length: 6 }, (_, j) => `<li><a href="/s${i}/${j}">Item ${j}</a>${j % 3 === 0 ? `<ul><li>Sub</li><p>bad</p></ul>` : ''}</li>`).join('')}</ul>
<form action="/s${i}"><input name="q" aria-label="Query ${i}"><button>Go</button></form>
${i % 4 === 0 ? `<table><tr><td>${i}</td></tr></table>` : ''}
${i % 5 === 0 ? `<h${(i % 6) + 1}>Level jump</h${(i % 6) + 1}>` : ''}
</section>`).join('\n')}
</main>
</body>
</html>
`,

  'required-attributes': `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Required attributes</title>
<link rel="stylesheet">
<link rel="preload" as="image" imagesrcset="/a.png 1x">
<link rel="preload" as="image" imagesrcset="/a.png 480w" href="/a.png">
<link rel="icon" href="/i.png">
</head>
<body>
<main>
<h1>Required attributes</h1>
<img alt="No src">
<img src="/x.png" alt="Has src">
<IMG ALT="Upper-case, no src">
<iframe src="/frame.html"></iframe>
<iframe src="/frame.html" title="Titled"></iframe>
<embed type="image/png">
<object type="image/png" aria-label="Object"></object>
<map><area href="/a" alt="A" shape="rect" coords="0,0,1,1"></map>
<div class="x"><span>Elements with only global attributes</span></div>
<input name="in" aria-label="In">
</main>
</body>
</html>
`,

  'mixed-case-tags': `${head()}
<BODY>
<MAIN>
<H1>Mixed case</H1>
<Nav><A href="/a">A</A></Nav>
<NAV><a href="/b">B</a></NAV>
<Form action="/f"><INPUT name="q"><Input name="q"><BUTTON>Go</BUTTON><Label for="missing">L</Label></Form>
<IMG src="/x.png"><Svg viewBox="0 0 1 1"></Svg><img src="/y.png" ALT="">
<Table><TR><TD>One</TD></TR></Table>
<H3>Level jump</H3>
<P ID="same">One</P><p id="same">Two</p>
<Fieldset><Input name="r" type="radio"></Fieldset>
<Div ROLE="navigation">Role</Div>
<A HREF="#same" Tabindex="0" aria-hidden="true">Hidden focusable</A>
</MAIN>
</BODY>
</html>
`,
};
