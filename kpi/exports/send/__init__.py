"""Board packs delivered by e-mail (`python -m kpi send`, kpi.cli.send): each recipient's pack (their
scope and format, built by kpi.exports.board_pack) sent by SMTP as an attachment, on a schedule.

* :mod:`kpi.exports.send.config`: the TOML configuration (SMTP server, recipients), every mistake named;
* :mod:`kpi.exports.send.run`: per recipient: scope and month, the provisional and already-sent checks, the
  pack, delivery or a dry run; one failure never stops the others;
* :mod:`kpi.exports.send.message`: the message (body and attachment);
* :mod:`kpi.exports.send.smtp`: SMTP with STARTTLS, failing closed, the password never shown;
* :mod:`kpi.exports.send.records`: what was sent to whom and when (send_records);
* :mod:`kpi.exports.send.workdays`: working days in England, for "the 10th working day of each month".
"""
