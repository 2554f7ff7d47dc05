"""Outside terminals, a session follows content too: a window that keeps its title while it
shows a wholly different text (another document in a viewer, an app replacing its content in
place) starts a new session; the next page of the same document does not."""

from __future__ import annotations

from app.capture.subjects import new_content, words_of
from tests.unit.capture_fakes import Clock, FakeScreen, fake_capture

LEASE_ONE = [
    "Tenancy agreement for the flat at Harbour Street 14, second floor",
    "The landlord, Miriam Sollie, lets the flat to the tenant from the first of May",
    "The monthly rent is payable in advance on the first working day of each month",
    "A deposit equal to three months of rent is held in a separate escrow account",
    "The tenant keeps the flat clean, airs it daily and reports damage without delay",
    "Pets are allowed only with the written consent of the landlord or her manager",
    "Either party may terminate this agreement with three months written notice",
    "Keys: two front door keys, one mailbox key and one bicycle shed key are handed over",
]
LEASE_TWO = [
    "Maintenance and repairs under the tenancy agreement",
    "The landlord repairs the roof, heating, plumbing and the building's common parts",
    "The tenant pays for small repairs such as tap washers, light bulbs and fuses",
    "Damage caused by the tenant or visitors is repaired at the tenant's expense",
    "The manager inspects the flat once a year after giving two weeks written notice",
    "Keys lost by the tenant are replaced and the locks changed at the tenant's cost",
    "The deposit is returned within thirty days after the flat is handed back clean",
    "Disputes about the deposit are settled by the rental tribunal of the district",
]
BILL = [
    "Electricity bill for March from Nordlys Energi customer number 448120",
    "Consumption this period: 412 kilowatt hours measured by smart meter readings",
    "Spot price average plus surcharge, grid tariff and government levies included",
    "Amount due before the twentieth: 1 184 kroner by direct debit from your bank",
    "Compared with last winter your household used eleven percent less electricity",
    "Questions about invoices: call customer service weekdays between eight and four",
    "Switching supplier takes effect from the first day of the following calendar month",
    "Thank you for choosing renewable hydropower generated along northern rivers",
]


def _episodes(memloci, app: str) -> list:
    service = memloci._parts.capture
    service._monotonic.advance(11)
    service.flush_records()
    found = [m for m in memloci.list("episodic", limit=100) if m.fields["actor"] == app]
    return sorted(found, key=lambda m: m.fields["occurred_at"])


def _show(service, clock, window, lines: list[str]) -> None:
    window.lines = list(lines)
    for _ in range(5):  # changed, settled, read
        service.tick()
        service.drain_ocr()
        clock.advance(3)


def test_another_document_under_the_same_title_starts_a_new_session(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Evince", "Document Viewer", LEASE_ONE)
    service = fake_capture(memloci, screen, clock)
    _show(service, clock, screen.windows[wid], LEASE_ONE)
    _show(service, clock, screen.windows[wid], BILL)
    lease, bill = _episodes(memloci, "Evince")
    assert "escrow account" in lease.fields["details"] and "kilowatt" not in lease.fields["details"]
    assert "kilowatt hours" in bill.fields["details"] and "escrow" not in bill.fields["details"]
    assert bill.fields["summary"].endswith(
        ": Electricity bill for March from Nordlys Energi " + "customer number 448120"
    )
    assert "Showing: Electricity bill for March" in bill.fields["details"]


def test_the_next_page_of_the_same_document_stays_in_its_session(memloci) -> None:
    screen, clock = FakeScreen(), Clock()
    wid = screen.open("Evince", "Document Viewer", LEASE_ONE)
    service = fake_capture(memloci, screen, clock)
    _show(service, clock, screen.windows[wid], LEASE_ONE)
    _show(service, clock, screen.windows[wid], LEASE_TWO)
    (lease,) = _episodes(memloci, "Evince")
    assert "escrow account" in lease.fields["details"]
    assert "rental tribunal" in lease.fields["details"]


def test_new_content_needs_many_new_words_and_almost_none_shown_before() -> None:
    shown = "\n".join(LEASE_ONE)
    assert new_content(shown, BILL) == BILL[0]
    assert new_content(shown, LEASE_TWO) is None  # the same document goes on
    assert new_content(shown, BILL[:2]) is None  # a few new lines: an edit, a banner
    assert new_content("Inbox (3)", BILL) is None  # too little shown to tell
    assert len(words_of("\n".join(BILL))) >= 40
