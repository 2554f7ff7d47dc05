"""Secrets people type in words: "my password's X", "pw: X", "PIN 4821 for the card", "the
door code is 4821", "X (the password for gmail)", in English, Spanish, Portuguese, German,
French, Polish, Italian and Dutch.

A label (password, PIN, door code, ...) and a value near it make a secret; the label may come
first ("contraseña: X", "mein Passwort lautet X") or last ("X is my password"). Labels are read
spaced out ("p a s s w o r d") and in leetspeak ("p@ssw0rd") too. What follows a label is a
secret only if it looks like a value: "my password is expired", "la contraseña es incorrecta",
"PIN 4821" and "password 2 times" are told apart by word lists, not by guessing, so ordinary
sentences about passwords stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

Span = tuple[int, int, str]  # start, end, kind


def _spaced(word: str) -> str:
    """`word` with separators between its letters: p a s s w o r d, P-A-S-S-W-O-R-D."""
    return r"[ .\-_*]{1,3}".join(re.escape(c) for c in word) + r"\.?"


# -- labels ---------------------------------------------------------------------------------
_PASSWORD = (
    r"pass(?:words?|wd|phrase|[ -]phrase|[ -]words?|code|wort|w[oö]rter)|pwd|pw|"
    r"p[a@4][s$5]{2}w[o0]r[dt]|"
    r"kennwort|contrase(?:ñ|n|nh)a|senha|palavra[- ]passe|mot[- ]de[- ]passe|mdp|"
    r"phrase (?:secr[eè]te|de passe)|has(?:ł|l)o|wachtwoord|l[oö]senord|"
    r"parola d['’]ordine|(?:wi-?fi|wlan|wpa2?|network|router)[ -]?(?:key|schl[uü]ssel|clave|chave)|"
    r"clave (?:de acceso|del wi-?fi|wi-?fi)|chave (?:de acesso|do wi-?fi)|"
    r"(?:seed|recovery|backup|secret|mnemonic) (?:phrase|words)|mnemonic|"
    + "|".join(
        _spaced(w) for w in ("password", "passwort", "contraseña", "senha", "hasło", "haslo")
    )
)
_PASS = r"pass"  # "my pass is X": a label only before a copula
_WEAK = r"login|log-in|logon|sign-in|credentials|creds|clave|chave|zugangsdaten|identifiants"
_PIN = (
    r"pin(?:[ -]?(?:code|number|nummer|nr\.?))?|puk|nip|geheim(?:zahl|nummer)|"
    r"(?:n[uú]mero|c[oó]digo|code|kod|codice) pin|"
    r"(?:door|gate|alarm|entry|access|garage|lock|locker|safe|keypad|building|unlock|padlock|"
    r"lockbox|key ?box|intercom|bike lock|front door|back door|house|apartment|flat|phone|sim|"
    r"verification|one-time|2fa|otp|backup|recovery|security|login)[ -]codes?|"
    r"(?:t[uü]r|alarm|zugangs|tresor|schloss|haust[uü]r)code|digicode|code secret|"
    r"combination|combo|(?:safe|lock|locker) combination|kombination|" + _spaced("pin")
)
_CODE_OF = (  # "código da porta", "kod do drzwi", "code de la porte": a code for a thing
    r"(?:c[oó]digo|codice|code|kod|code)\s+(?:de la|del|de|da|do|dos|das|della|dell['’]|"
    r"del|di|d['’]|du|de l['’]|des|do|od|na|für die|für das|f[uü]r den|zur|zum|for the|to the|"
    r"for|to)\s*(?:porta|puerta|portal|port[aã]o|alarm[ea]?|alarme|acesso|acceso|accesso|"
    r"candado|cadeado|lucchetto|cassaforte|caja fuerte|cofre|drzwi|bramy|alarmu|domofonu|"
    r"sejfu|porte|portail|l['’]alarme|l['’]entr[ée]e|entr[ée]e|cadenas|coffre|t[uü]r|"
    r"haust[uü]r|garage|gate|door|front door|alarm|safe|locker|cancello|allarme|garaje|"
    r"garagem|garażu|wejścia|wejscia|immeuble|edificio|pr[ée]dio|building)"
)
_CVV = (
    r"cvv2?|cvc2?|csc|cid|card (?:security |verification )?code|security code|"
    r"c[oó]digo de seguran[cç]a|c[oó]digo de seguridad|kartenpr[uü]fnummer|pr[uü]fnummer|"
    r"sicherheitscode|cryptogramme|code de s[ée]curit[ée]|kod (?:cvv|bezpiecze[nń]stwa)|"
    r"codice (?:di sicurezza|cvv)"
)
_BARE_CODE = r"(?P<qual>[\w'’-]+\s+)?(?:code|c[oó]digo|codice|kod|code)"
# Qualifiers that make "X code" ordinary: postal codes, error codes, promo codes, ...
_ORDINARY_CODE = frozenset(
    "zip postal post area country dialing dialling calling error status exit return http "
    "response promo promotional discount coupon voucher gift product tracking source qr bar "
    "barcode sort tax iso currency language airport booking confirmation reference dress "
    "colour color morse machine byte op station branch swift bic routing iata icao country "
    "postcode postal cupom cupón gutschein rabatt fehler erreur error".split()
)

# -- connectors and copulas -----------------------------------------------------------------
_DET = (
    r"(?:the|my|our|your|his|her|their|a|an|mi|tu|su|el|la|los|las|o|os|as|meu|minha|sua|seu|"
    r"mein|meine|dein|deine|sein|seine|ihr|ihre|unser|unsere|der|die|das|den|dem|le|les|mon|"
    r"ma|ton|ta|son|sa|notre|il|lo|mio|mia|tuo|tua|la mia|il mio|moje|mój|moj|twoje|jego|"
    r"jej|nasze|mijn|het|de)"
)
_PREP = (
    r"(?:for|to|of|on|at|from|in|del|de|de la|do|da|dos|das|no|na|nos|nas|f[uü]r|f[uü]rs|vom|der|"
    r"von|zum|zur|du|des|pour|od|dla|di|della|dello|dei|per|al|voor|van|till|för)"
)
_NAMEWORD = r"[\w@.&+'’-]+"
# "for gmail", "to the router", "do meu banco", "für das WLAN": up to three words
_CONNECT = (
    r"(?:\s+(?:that\s+)?(?:i|we|you|he|she|they)\s+(?:use|used|have|had|set|chose|picked|made)\b)?"
    rf"(?:\s*\(\s*{_NAMEWORD}(?:\s+{_NAMEWORD}){{0,2}}\s*\)|\s+{_PREP}\s+(?:{_NAMEWORD}\s+){{0,2}}{_NAMEWORD})?"
)
_COPULA = (
    r"(?:\s*(?:[:=]|->|=>|—|–|-(?=\s))\s*|['’]s\s+|\s+(?:has been changed to|was changed to|"
    r"changed to|set to|reset to|updated to|is now|is still|was still|is currently|will be|"
    r"should be|sigue siendo|sigue|es|era|ser[aá]|é|fica|será|ist|lautet|war|bleibt|"
    r"hei(?:ß|ss)t|est|était|sera|c['’]est|jest|brzmi|był[oa]?|wynosi|è|sarà|resta|rimane|"
    r"vale|is nu|blijft|är|is|was|are|were|to|e)(?![\w'’])\s*:?\s*)"
)
_AFTER_COPULA_VERB = r"(?:\s+(?:is|es|é|ist|est|jest|è|to|was|lautet)(?![\w'’])\s*)"

# -- values ---------------------------------------------------------------------------------
_QUOTED = r"[\"“”«„'‘`](?P<quoted>[^\"“”«»„'‘’`\n]{1,120})[\"“”»’'`]"
_TOKEN = r"(?P<token>[^\s\"“”«»]{1,200})"
_VALUE = rf"(?:{_QUOTED}|{_TOKEN})"

# Words that, right after "password is", say something about the password instead of being
# it. Function words end a multi-word value; predicate words only refuse a one-word value
# ("my passphrase is correct horse battery staple" is a passphrase, "it is correct" is not).
_FUNCTION = frozenset(
    """
    a an the my your his her our their its this that these those it he she we they you i me
    not no never too very so still also now just only already always again even yet really
    same different and or but if then because since until while when where which who what
    how why whether for to of on at in into from with without by about as than like over
    under after before between during here there below above attached somewhere anywhere
    nowhere something nothing anything everything all any some each every both either neither
    is are was were be been being am do does did have has had can could will would should
    shall may might must gonna wanna please thanks thank thx ok okay lol yes yeah yep nope
    sent send shared share written write stored store saved save kept keep in on at
    el la los las un una unos unas mi mis tu tus su sus nuestro nuestra muy demasiado ya
    también tambien siempre nunca todavía todavia aún aun y o pero que de del en con para por
    sin sobre como cuando donde aquí aqui allí alli es son era fue está esta están no sí si
    lo le les se me te nos igual misma mismo
    o a os as um uma meu minha teu tua seu sua nosso nossa muito demais já ja também sempre
    nunca ainda e ou mas que de do da dos das em no na nos nas com para por sem sobre como
    quando onde aqui ali é são era foi está não sim
    der die das den dem des ein eine einen einem einer mein meine meinen dein deine sein seine
    ihr ihre unser unsere nicht kein keine zu sehr noch auch schon immer nie wieder jetzt nur
    und oder aber wenn dann weil da wo wie was wer für mit ohne von bei nach vor über unter
    auf an in im am zum zur ist sind war waren hier dort dasselbe gleich gleiche
    le la les un une des mon ma mes ton ta tes son sa ses notre votre leur pas ne plus très
    trop déjà deja aussi toujours jamais encore et ou mais si que qui quoi quand où ou comme
    pour avec sans de du dans sur sous par est sont était ici là la même
    nie to jest są był była było i lub albo ale że ze czy jak gdy kiedy gdzie tu tam moje mój
    moja twoje twój twoja jego jej nasze zbyt za bardzo już juz też tez zawsze nigdy jeszcze
    dla do od na w we z ze po przez przy o takie taki taka samo same inne inny
    il lo gli i una uno mio mia miei mie tuo tua suo sua nostro nostra non già gia anche
    sempre mai ancora e ed o ma se che chi come quando dove qui qua lì di del della dei delle
    in nel nella con per senza su sul sulla tra fra da dal dalla è sono era stesso stessa
    het een mijn jouw zijn haar ons onze niet geen te zeer nog ook al altijd nooit en of maar
    dat die wie wat waar hier daar voor met zonder van op aan bij is zijn was
    """.split()
)
_PREDICATE = frozenset(
    """
    wrong incorrect correct right invalid valid expired expiring required mandatory optional
    weak strong secure insecure safe unsafe long short simple complex complicated easy hard
    difficult obvious new old current temporary temp default same different changed reset
    updated saved stored encrypted hashed hidden masked protected visible shown missing empty
    blank forgotten lost leaked compromised stolen known unknown common unique random generated
    case-sensitive sensitive secret private personal fine good bad great ok okay good
    forgot forgotten show hide confirm enter required change remember sign log login logout
    reset too long short characters chars digits letters numbers words symbols uppercase
    lowercase needed necessary set written
    incorrecta incorrecto correcta correcto segura seguro débil debil fuerte larga largo corta
    corto obligatoria obligatorio caducada caducado válida valida inválida invalida nueva
    nuevo vieja viejo distinta distinto cambiada guardada olvidada
    errada errado incorreta correta segura fraca forte longa curta obrigatória obrigatoria
    expirada válida nova velha diferente alterada guardada esquecida
    falsch richtig sicher unsicher schwach stark lang kurz abgelaufen erforderlich gültig
    gueltig ungültig neu alt geändert geaendert gespeichert vergessen geheim anders
    faux fausse incorrect correct correcte sûr sur faible fort forte long longue court courte
    expiré expire obligatoire valide invalide nouveau nouvelle ancien changé enregistré oublié
    błędne bledne złe zle poprawne bezpieczne słabe slabe silne długie dlugie krótkie krotkie
    wygasło wygaslo wymagane ważne wazne nieważne nowe stare zmienione zapisane zapomniane
    sbagliata sbagliato errata corretta sicura debole forte lunga corta scaduta obbligatoria
    valida nuova vecchia cambiata salvata dimenticata uguale diversa
    fout juist veilig zwak sterk lang kort verlopen verplicht geldig nieuw oud gewijzigd
    """.split()
)
_UI_TAILS = (
    r"manager|managers|reset|resets|hint|policy|policies|field|prompt|generator|strength|"
    r"requirements?|rules?|change|recovery|protected|expiry|expiration|length|vault|app|"
    r"screen|page|form|box|dialog|gestor|administrador|gerenciador|verwaltung|manager|"
    r"gestionnaire|menedżer|menedzer|reset|wymagania"
)


def _clean(value: str) -> str:
    """A token without the sentence's punctuation around it."""
    value = value.strip("\"'“”«»„‘’`([{<")
    while value and value[-1] in ".,;:)]}>\"'”»’":
        value = value[:-1]
    return value


def is_number_word(value: str) -> bool:
    return bool(re.fullmatch(r"[\d\s.,:/+%$€£-]+", value))


def strong(value: str) -> bool:
    """Looks made up rather than said: letters with digits or symbols, or mixed case inside,
    and not a date, time, price, version, e-mail address or link."""
    if len(value) < 6 or is_number_word(value) or re.fullmatch(r"v?\d+(?:\.\d+)+\w*", value):
        return False
    if "@" in value and re.fullmatch(r"[\w.+-]+@[\w-]+\.[\w.-]+", value):
        return False
    if re.match(r"(?i)https?://|www\.", value):
        return False
    letters = sum(c.isalpha() for c in value)
    digits = sum(c.isdigit() for c in value)
    symbols = len(value) - letters - digits
    if letters and digits:
        return True
    if (letters or digits) and symbols and not re.fullmatch(r"[\w]+(?:[-'’][\w]+)*", value):
        return True
    inner_capitals = sum(c.isupper() for c in value[1:])  # "xKcDpQzR", not "iPad" or "GitHub"
    return inner_capitals >= 2 and len(value) >= 8 and any(c.islower() for c in value)


def _word_ok(word: str) -> bool:
    low = word.lower()
    return bool(word) and low not in _FUNCTION and not low.endswith("ly")


def _plausible(value: str, label_first: bool = True) -> bool:
    """Could `value` be the secret rather than a word about it?"""
    if len(value) < 3 or value.startswith("[REDACTED") or not any(c.isalnum() for c in value):
        return False
    if strong(value):
        return True
    low = value.lower()
    if low in _FUNCTION or low in _PREDICATE or low.endswith("ly"):
        return False
    if re.fullmatch(r"[\w.+-]+@[\w-]+\.[\w.-]+", value) or re.match(r"(?i)https?://", value):
        return False
    if is_number_word(value):
        digits = sum(c.isdigit() for c in value)
        return digits >= 4 and not re.search(r"[.,:/]", value)
    return label_first


_WORD = re.compile(r"\s*([A-Za-zÀ-ÿ'’-]+)(?=[\s.,;!?)]|$)")


def _extend(text: str, end: int, first: str, limit: int) -> int:
    """A passphrase: lower-case words after the first, up to a function word, punctuation or
    the end of the line."""
    if not first.isalpha() or not first.islower():
        return end
    words = 0
    pos = end
    while words < limit:
        match = _WORD.match(text, pos)
        if match is None or "\n" in text[pos : match.start(1)]:
            break
        word = match.group(1)
        if not word.islower() or (limit < 24 and (not _word_ok(word) or word in _PREDICATE)):
            break  # a seed phrase (24 words) is any words: "about above absent ..."
        pos = match.end(1)
        words += 1
    return pos if words >= 2 or (words and first.lower() not in _PREDICATE) else end


def _value_span(match: re.Match[str], text: str, multiword: int) -> tuple[int, int, str] | None:
    if match.group("quoted"):
        start, end = match.span("quoted")
        return start, end, match.group("quoted")
    start = match.start("token")
    raw = match.group("token")
    value = _clean(raw)
    if not value:
        return None
    start += raw.find(value)
    end = start + len(value)
    if multiword:
        end = _extend(text, end, value, multiword)
    return start, end, text[start:end]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I | re.M)


_LABEL_FIRST = _compile(
    rf"(?<![\w@])(?P<label>{_PASSWORD}|{_PASS}(?=\s+is\b|['’]s\b|\s*[:=]))(?![\w])"
    rf"(?P<link>{_CONNECT}{_COPULA}|\s+(?=\S*\d)){_VALUE}"
)
_WEAK_FIRST = _compile(rf"(?<![\w@])(?P<label>{_WEAK})\b(?P<link>{_CONNECT}{_COPULA}|\s+){_VALUE}")
_PAIR = re.compile(r"[\w.@+-]{2,64}\s*[/:|]\s*\S{3,}")
_PIN_FIRST = _compile(
    rf"(?<![\w@])(?P<label>{_PIN}|{_CODE_OF}|{_CVV})(?!\w)(?P<link>{_CONNECT}{_COPULA}|\s+)"
    r"(?P<token>(?:\d[\s-]?){2,11}\d|[#*]?\d{3,12}#?|(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{3,24})"
    r"(?P<quoted>(?!))?"
)
_BARE_CODE_FIRST = _compile(
    rf"(?<![\w@]){_BARE_CODE}\b(?P<link>{_CONNECT}{_COPULA})(?P<token>\d{{3,10}}|(?:\d{{2}}-){{1,3}}\d{{2}})(?![\w.,/:-]*\d)"
    r"(?P<quoted>(?!))?"
)
_ANY_LABEL = rf"(?:{_PASSWORD}|{_PIN}|{_CODE_OF}|{_CVV})"
_AFTER_LABEL = _compile(rf"(?<![\w@]){_ANY_LABEL}(?![\w])")
# What stands before a label that names the value before it: "X (the password for gmail)",
# "X is my password", "X, c'est mon mot de passe", "4821 is the door code".
_BEFORE_LABEL = _compile(
    rf"(?P<colon>:\s*)?{_VALUE}(?P<link>\s*\(\s*|\s*[,—–-]?\s+(?:that['’]s|that is|this is|"
    rf"it['’]s|c['’]est|das ist|to jest|é|è|es)\s+|{_AFTER_COPULA_VERB})"
    rf"(?:{_DET}\s+)?(?:{_NAMEWORD}\s+){{0,2}}?$"
)
_PIN_VALUE = re.compile(r"[#*]?\d{3,12}#?")


def _kind(label: str) -> str:
    low = " ".join(label.lower().split())
    if re.fullmatch(_CVV, low, re.I):
        return "cvv"
    if re.fullmatch(rf"{_PIN}|{_CODE_OF}", low, re.I) or low in ("code", "código", "codice"):
        return "pin"
    return "password"


_JOINERS = frozenset(
    "and but or so for on in at to with from if because which since until when while please "
    "thanks thank ok okay lol now then too also again y o pero e ou mas und oder aber et ou "
    "mais i oraz ale lub ma en of maar".split()
)
_NEGATION = frozenset(
    "not no nie não nao nicht kein keine pas non niet geen never nunca nie".split()
)
_NEXT_WORD = re.compile(r"[ \t]+([\w'’-]+)")


_DIGIT_GROUPS = re.compile(r"(?: \d{3,4}){1,3}(?![\w.,:/-])")
_UNITS = frozenset(
    "lines line words characters chars digits times ms s sec seconds minutes min km m kb mb gb "
    "px pt percent is".split()
)


def _said_about(text: str, end: int, value: str, link: str, label: str) -> bool:
    """A plain word after the label that describes the password instead of being it: "the
    password is case sensitive", "Enter your password to continue"."""
    if strong(value) or not value.replace("-", "").isalpha():
        return False
    if link.strip().lower() == "to" and not re.match(r"(?i)has", label):
        return True  # English "to" only with "changed to"/"set to"; Polish "hasło to X"
    following = _NEXT_WORD.match(text, end)
    return following is not None and following.group(1).lower() not in _JOINERS


def _overlapping(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match, including one that starts inside a match that was not a secret: "store
    this password in the vault: password: X" must still find "password: X"."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        yield match
        position = match.start() + 1


def _label_first(text: str) -> Iterator[Span]:
    for match in _overlapping(_LABEL_FIRST, text):
        label = match.group("label")
        link = match.group("link")
        if _NEGATION & set(link.lower().split()) or re.search(r"\w['’]s\s*$", link.strip()[1:]):
            continue  # "not", or a possessive: "the password for mom's iPad"
        if match.group("token") and match.group("token").endswith(":"):
            continue  # "password for Dad's laptop: X": a label, not the value
        plain = " ".join(re.sub(r"[ .\-_*]", "", label).lower().split())
        multiword = 24 if re.search(r"phrase|words|mnemonic|phrase", plain) else 8
        found = _value_span(match, text, multiword)
        if found is None:
            continue
        start, end, value = found
        grouped = _DIGIT_GROUPS.match(text, end) if value.isdigit() else None
        if grouped:  # "passcode: 552 981 334"
            end, value = grouped.end(), text[start : grouped.end()]
            yield start, end, "password"
            continue
        bare = not re.search(r"\S", link)  # "password hunter2": no copula
        first = value.split()[0] if value.split() else value
        if bare and not strong(_clean(first)) and not (first.isdigit() and len(first) >= 4):
            continue
        if " " not in value:
            if not _plausible(value) or (
                not match.group("quoted") and _said_about(text, end, value, link, label)
            ):
                continue
        elif not match.group("quoted") and (
            first.lower() in _FUNCTION
            or (multiword < 24 and not all(_word_ok(w) for w in value.split()[1:]))
        ):
            continue
        yield start, end, "password"


def _weak_first(text: str) -> Iterator[Span]:
    for match in _WEAK_FIRST.finditer(text):
        start = match.start("token") if match.group("token") else match.start("quoted")
        pair = _PAIR.match(text, start)
        if pair is not None and "\n" not in pair.group(0):
            yield start, start + len(_clean(pair.group(0))), "credentials"
            continue
        found = _value_span(match, text, 0)
        if found is not None and strong(found[2]):
            yield found[0], found[1], "password"


def _pins(text: str) -> Iterator[Span]:
    for pattern in (_PIN_FIRST, _BARE_CODE_FIRST):
        for match in pattern.finditer(text):
            label = match.group(0)[: match.start("link") - match.start()]
            qual = match.groupdict().get("qual")
            if qual and qual.strip().lower() in _ORDINARY_CODE and pattern is _BARE_CODE_FIRST:
                continue
            value = match.group("token")
            start, end = match.span("token")
            digits = sum(c.isdigit() for c in value)
            kind = _kind(label.strip()) if pattern is _PIN_FIRST else "pin"
            if kind == "cvv" and not re.fullmatch(r"\d{3,4}", value):
                continue
            if digits < 3 or (pattern is _BARE_CODE_FIRST and digits < 4):
                continue
            if re.match(r"[.,:/]\d", text[end : end + 2]):  # 12.50, 10:30, 3/4: not a code
                continue
            after = _NEXT_WORD.match(text, end)
            if pattern is _BARE_CODE_FIRST and after and after.group(1).lower() in _UNITS:
                continue  # "the code is 1234 lines long"
            yield start, end, kind


def _label_after(text: str) -> Iterator[Span]:
    for label in _AFTER_LABEL.finditer(text):
        window = max(0, label.start() - 160)
        match = _BEFORE_LABEL.search(text, window, label.start())
        if match is None:
            continue
        paren = match.group("link").strip().startswith("(")
        if paren and ")" not in text[label.end() : label.end() + 40]:
            continue
        if not paren and re.match(rf"(?i)\s*(?:{_UI_TAILS})\b", text[label.end() :]):
            continue  # "Bitwarden is my password manager"
        found = _value_span(match, text, 0)
        if found is None:
            continue
        start, end, value = found
        kind = _kind(label.group(0))
        if kind != "password":
            if _PIN_VALUE.fullmatch(value):
                yield start, end, kind
            continue
        if strong(value) or ((paren or match.group("colon")) and _plausible(value)):
            yield start, end, kind


# Every label holds one of these stems (or is spelled out letter by letter); text without any
# (most text) is skipped with substring tests, far cheaper than the patterns.
_PASSWORD_STEMS = (
    "pass", "pa$", "pa5", "p@s", "p4s", "pw", "kenn", "contra", "senha", "hasł", "hasl", "mdp",
    "mot de", "mot-de", "phrase", "mnemonic", "seed", "wachtw", "lösen", "losen", "parola",
    "wifi", "wi-fi", "wlan", "wpa", "network", "router", "clave", "chave", "words", "schl",
)  # fmt: skip
_PIN_STEMS = (
    "pin", "puk", "nip", "cod", "cód", "kod", "combi", "combo", "cvv", "cvc", "csc", "cid",
    "secur", "geheim", "prüfn", "prufn", "crypto",
)  # fmt: skip
_WEAK_STEMS = ("log", "sign-in", "cred", "zugang", "identifiant", "clave", "chave")
_SPELLED = re.compile(r"[pshckPSHCK][ .\-_*]{1,3}[aeiouAEIOU][ .\-_*]{1,3}\w")


def phrases(text: str) -> Iterator[Span]:
    """Every secret said in words in `text`, as (start, end, kind)."""
    low = text.lower()
    spelled = bool(_SPELLED.search(text))
    password = spelled or any(stem in low for stem in _PASSWORD_STEMS)
    pin = spelled or any(stem in low for stem in _PIN_STEMS)
    if password:
        yield from _label_first(text)
    if any(stem in low for stem in _WEAK_STEMS):
        yield from _weak_first(text)
    if pin:
        yield from _pins(text)
    if password or pin:
        yield from _label_after(text)
