"""The starter word families for the leak check: what explainers spoil most (deaths,
injuries, betrayals, hidden identities, deceptions, who did it). Moderators extend them
in the admin; this only adds families that are missing, by name, and never rewrites one
a moderator has changed. Moderators also get the permissions to keep them."""

from django.db import migrations

# (name, category, words, notes). One form of each word is enough: the matching reads
# every inflected form. A phrase matches its words in order, a few words apart.
STARTER_FAMILIES = [
    (
        "killing",
        "death",
        "die, death, dead, kill, killing, killer, murder, murderer, slay, slaughter, "
        "assassinate, perish, succumb, demise, suicide, fatally, strangle, smother, "
        "behead, drown, gun down, bite the dust, "
        "pass away, not survive, not make it, lose her life, lose his life, "
        "lose their life, take her own life, take his own life, take their own life, "
        "meet her end, meet his end, meet their end, end up dead, bump off, "
        "do away with, kill off",
        "Someone's death, whoever caused it. A term such as “Paloma is killed” then also "
        "matches “Paloma dies”, “Paloma's murder” or “Paloma does not survive”.",
    ),
    (
        "suicide",
        "death",
        "suicide, kill himself, kill herself, kill themselves, take her own life, "
        "take his own life, take their own life",
        "Someone ends their own life. Kept apart from “killing” so that a term such as "
        "“Harlan kills himself” is not matched by “Harlan is found dead”, which may be "
        "the premise.",
    ),
    (
        "cutting a throat",
        "death",
        "cut throat, slit throat, slash throat",
        "A throat cut, by another or oneself.",
    ),
    (
        "surviving",
        "death",
        "survive, survivor, alive, cheat death, escape death",
        "Someone lives through what should have killed them.",
    ),
    (
        "poisoning",
        "injury",
        "poison, drug, dose, spike, sedate, overdose, tranquilize, tranquillise",
        "Giving someone something that harms or knocks them out.",
    ),
    (
        "cutting off",
        "injury",
        "cut off, chop off, hack off, slice off, lop off, sever, amputate, lose, loss, "
        "end up without, be left without",
        "Losing a body part. “Lose” and “loss” are here for “loses her hand”; a term "
        "needs its body part beside them to match.",
    ),
    (
        "wounding",
        "injury",
        "injure, injury, wound, maim, mutilate, mutilation, cripple, disfigure, stab, "
        "shoot, knife, torture, beat up, attack",
        "Harm short of death. Left out on purpose, as explainers use them otherwise: "
        "“shot” (a camera shot), “hurt” (feelings), “blind” (a blind audition).",
    ),
    (
        "abuse",
        "injury",
        "abuse, rape, molest, assault, prey on",
        "Abuse, often the hidden subject of a twist.",
    ),
    (
        "capture",
        "other",
        "kidnap, kidnapper, abduct, abduction, capture, captor, imprison, take captive, "
        "take hostage, "
        "hold captive, hold hostage, lock up",
        "Someone taken or held against their will.",
    ),
    (
        "escape",
        "other",
        "escape, flee, break free, break out",
        "Getting away from captivity or a place.",
    ),
    (
        "betrayal",
        "betrayal",
        "betray, betrayal, traitor, treachery, treacherous, double cross, backstab, "
        "stab in the back, sell out, turn on, turn against, rat out, go behind back",
        "Someone trusted turns against their side.",
    ),
    (
        "vanishing",
        "identity",
        "vanish, disappear, disappearance, go missing",
        "Someone goes missing.",
    ),
    (
        "posing as someone else",
        "identity",
        "impostor, imposter, impersonate, pose as, pass as, pretend to be, masquerade as, "
        "disguise, fake identity, false identity, secret identity, alter ego, alias",
        "A hidden identity: someone is not who they claim to be.",
    ),
    (
        "faking",
        "deception",
        "fake, feign, stage, fabricate, forge, simulate",
        "Something staged to deceive: “Amy fakes her death” also matches “Amy stages her "
        "own murder”.",
    ),
    (
        "framing",
        "deception",
        "frame, scapegoat, incriminate, pin on, set up",
        "Making someone look guilty of what they did not do.",
    ),
    (
        "lying",
        "deception",
        "lie, deceive, deception, trick, dupe, fool, mislead, manipulate, con artist",
        "Deceiving someone.",
    ),
    (
        "hiding",
        "identity",
        "hide, hidden, conceal, hole up, live in hiding, in hiding",
        "Someone or something kept out of sight.",
    ),
    (
        "rescuing",
        "other",
        "rescue, save, come to the rescue",
        "Getting someone out of danger.",
    ),
    (
        "mind control",
        "deception",
        "hypnotize, hypnotise, hypnosis, hypnotist, brainwash, mesmerize, trance",
        "Control over someone's mind.",
    ),
    (
        "inheriting",
        "other",
        "inherit, inheritance, heir, heiress, bequeath, leave everything to",
        "Who gets the money.",
    ),
    (
        "pregnancy",
        "other",
        "pregnant, pregnancy, expecting a baby",
        "A pregnancy, often kept for the last scene.",
    ),
    (
        "culprit",
        "culprit",
        "culprit, perpetrator, killer, murderer, mastermind, be behind it",
        "Who did it. A term such as “Ransom is the culprit” then also matches “Ransom was "
        "behind it” or “the killer is Ransom”.",
    ),
]


def add_starter_families(apps, schema_editor):
    WordFamily = apps.get_model("explainers", "WordFamily")
    for name, category, words, notes in STARTER_FAMILIES:
        if not WordFamily.objects.filter(name=name).exists():
            WordFamily.objects.create(name=name, category=category, words=words, notes=notes)


def sync_roles(apps, schema_editor):
    from explainers.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("explainers", "0017_word_families"),
    ]

    operations = [
        migrations.RunPython(add_starter_families, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
