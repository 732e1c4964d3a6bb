"""The plugin's ``emulator.embedded_signup`` (issue 18 item 2): Meta's side of a partner's own
hosted Embedded Signup, whose ids the partner files with ``clients.onboard_shared_number``."""

from __future__ import annotations

from partnerhub.testing import Emulator, TestPartner


def test_a_hosted_signup_filed_then_reviewed_to_live(
    partner: TestPartner, emulator: Emulator
) -> None:
    session = emulator.embedded_signup()
    data = session["data"]
    done = partner.client.clients.onboard_shared_number(
        "23475642367",
        data["waba_id"],
        waba_business_id=data["business_id"],
        channel_external_id=data["phone_number_id"],
    )
    assert done.message == "Success. Please wait, your number is onboarding."
    emulator.advance(4 * emulator.step_seconds)
    channel = next(
        c
        for c in partner.client.channels.iter()
        if c.setup_info.phone_number == session["phone_number"]
    )
    assert (channel.client_id, channel.status) == (done.client_id, "live")
