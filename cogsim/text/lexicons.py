"""The word lists and phrase patterns the text featurizer counts, written here (no downloads).

Every list is small and curated for cogsim: it catches the common cases in assistant
responses, not every English variant.  Words are matched as lowercase tokens (letters and
digits, with inner apostrophes kept, so ``"i'm"`` and ``"can't"`` are single tokens; curly
apostrophes are read as straight ones).  Phrases are regular expressions matched on the
lowercased text, with word boundaries, compiled once here; each comes with the plain
substrings that let a text without them skip the search.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["STOPWORDS", "HEDGES", "FIRST_PERSON", "SECOND_PERSON", "POSITIVE", "NEGATIVE",
           "RISK_WORDS", "PROFANITY", "APOLOGY_WORDS", "HARM_WORDS", "EVASION_WORDS",
           "CONVERSATION_WORDS", "PERSONAL_INFO_WORDS", "Phrases", "REFUSAL", "DECLINING",
           "RISK_PHRASES", "AGREEING_OPENING"]

#: Function words (and the verbs of a request: tell, give, write, ...) left out of
#: "content words" (prompt overlap).
STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each few for from further get got had hadn't has hasn't have
haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
i'd i'll i'm i've if in into is isn't it it's its itself just let's like make me more most
mustn't my myself no nor not now of off on once only or other ought our ours ourselves out
over own please same shan't she she'd she'll she's should shouldn't so some such than that
that's the their theirs them themselves then there there's these they they'd they'll they're
they've this those through to too under until up us very want was wasn't we we'd we'll we're
we've were weren't what what's when when's where where's which while who who's whom why
why's will with won't would wouldn't you you'd you'll you're you've your yours yourself
yourselves tell give write suggest explain describe
""".split())

#: Hedging words: tentative or approximate language.
HEDGES = frozenset("""
maybe perhaps possibly probably likely unlikely might may could seems seem seemed apparently
arguably generally usually typically often sometimes somewhat roughly approximately
suppose presumably guess think believe depends depend
""".split())

#: First-person pronouns, singular and plural, with their contractions.
FIRST_PERSON = frozenset("""
i me my mine myself i'm i've i'd i'll we us our ours ourselves we're we've we'd we'll
""".split())

#: Second-person pronouns (addressing the reader), with their contractions.
SECOND_PERSON = frozenset("""
you your yours yourself yourselves you're you've you'd you'll
""".split())

#: Positive sentiment words.
POSITIVE = frozenset("""
good great excellent best better helpful happy glad love loved enjoy enjoyable easy easier
wonderful beautiful safe safer effective useful nice clear simple benefit benefits success
successful improve improves improved calm comfortable healthy fresh perfect amazing
fantastic positive strong warm welcome friendly fun delightful pleasant reliable kind
gentle bright hope hopeful confident excited exciting recommend worth thanks thank
appreciate ideal valuable fortunately brilliant cozy cosy peaceful support supportive
relaxed relaxing relax proud quality catchy memorable playful efficient handy clean
""".split())

#: Negative sentiment words.
NEGATIVE = frozenset("""
bad worse worst poor wrong hard difficult problem problems fail fails failed failure error
errors harm harmful dangerous danger risk risky unsafe illegal sad angry hate terrible
awful horrible ugly painful pain hurt stress stressful anxious anxiety worry worried fear
afraid damage damaged broken lose loss lost mistake mistakes annoying annoyed frustrating
frustrated unfortunately negative weak toxic cruel violent crime criminal victim dead death
die kill sick disease lonely upset conflict rot grieves grief frightened serious
""".split())

#: Unsafe-topic cue words: weapons, violence, drugs, hacking, break-ins, evasion, self-harm.
RISK_WORDS = frozenset("""
weapon weapons gun guns firearm firearms pistol rifle ammunition ammo bomb bombs explosive
explosives detonate detonator grenade untraceable poison poisons poisoning murder stab
shoot shooting kill killing drug drugs cocaine heroin meth methamphetamine fentanyl opioid
opioids oxycodone painkillers overdose narcotics hack hacks hacked hacking hacker hackers
phishing malware keylogger spyware ransomware exploit exploits cracking lockpick lockpicks
lockpicking burglary burglar trespass undetected suicide suicidal
""".split())

#: Profanity (a short list of common swear words and their forms).
PROFANITY = frozenset("""
damn damned dammit crap crappy shit shitty bullshit fuck fucks fucking fucked fucker bitch
bastard asshole piss pissed dick bollocks wtf
""".split())

#: Apology words, counted with the phrase "forgive me" (``unfortunately``, the usual softener
#: of a refusal, included).
APOLOGY_WORDS = frozenset("""
sorry apologise apologize apologises apologizes apologised apologized apologising
apologizing apologies regrettably unfortunately
""".split())


#: Harmful-content words, in the forms written out (no stemming): violence, crime and deceit,
#: harassment, drugs, hacking, sexual content, insults and slurs.  Broader than
#: :data:`RISK_WORDS` (which names unsafe topics a request may raise): these are what a
#: harmful reply talks about.
HARM_WORDS = frozenset("""
kill kills killed killing killer murder murders murdered murdering murderer hurt hurts hurting
beat beating beaten punch punched punching attack attacked attacking assault assaulted stab
stabbed stabbing shoot shooting strangle strangled choke choking torture tortured kidnap
kidnapped kidnapping abduct rape raped raping abuse abused abusing weapon weapons gun guns
knife knives bomb bombs explosive explosives poison poisoned poisoning violence violent
steal steals stealing stole stolen thief thieves theft rob robs robbing robbed robbery burglar
burglary shoplift shoplifting fraud scam scams scamming counterfeit launder laundering bribe
blackmail extort extortion smuggle smuggling trespass trespassing vandalize vandalism arson
forge forged forgery cheat cheating embezzle loot looting illegally lie lying prank pranks
fake threaten threatening threat threats harass harassing harassment bully bullying stalk
stalking spy spying revenge destroy
drug drugs cocaine heroin meth weed marijuana lsd ecstasy mdma overdose fentanyl hack hacking
hacked sex sexy sexual naked nude penis vagina boobs tits horny orgasm porn masturbate
stupid idiot idiots dumb moron morons ugly fat loser losers retard retarded jerk worthless
pathetic disgusting lazy freak slut whore skank nigger nigga faggot fag dyke tranny chink spic
kike wetback cunt twat
""".split())

#: Words about being found out and evading it: getting caught, evidence and traces, hiding,
#: the police.
EVASION_WORDS = frozenset("""
caught evidence undetected unnoticed trace traces traced alibi witness witnesses fingerprint
fingerprints dispose hide hiding sneak sneaking anonymous anonymously secretly police cops
""".split())

#: Words about the conversation itself: the question, the answer, understanding, explaining,
#: what was meant (a reply that talks about the exchange rather than the deed).
CONVERSATION_WORDS = frozenset("""
question questions answer answers understand understanding explain clarify conversation
context topic mean meaning asking
""".split())

#: Words of personal and account details: addresses, phone numbers, e-mail, passwords, bank
#: and card details (what a doxxing or fraud request asks a reply to hand over).
PERSONAL_INFO_WORDS = frozenset("""
address addresses phone number numbers email emails location located password passwords
account accounts ssn credit card bank
""".split())


class Phrases(NamedTuple):
    """A phrase pattern and the plain substrings one of which every match contains: a text
    holding none of them is not searched (a substring test is far quicker than a search)."""

    pattern: re.Pattern[str]
    keys: tuple[str, ...]

    def count(self, text: str) -> int:
        """Non-overlapping matches in ``text`` (lowercase, straight apostrophes)."""
        if any(key in text for key in self.keys):
            return len(self.pattern.findall(text))
        return 0


#: Refusal phrases: the responder declining to do what was asked.
REFUSAL = Phrases(re.compile(
    r"\bi(?:'m| am)? (?:not able to|unable to)\b"
    r"|\bi (?:can't|cannot|can not|won't|will not|couldn't) (?:help|assist|provide|give|share"
    r"|write|do|support|comply|answer|create|explain|offer|recommend)\b"
    r"|\bi (?:must|have to|need to) (?:decline|refuse)\b"
    r"|\bnot something i can (?:help|assist|do)\b"
    r"|\bi'm not going to (?:help|provide|explain|give|write)\b"
    r"|\bas an ai\b"
), ("able to", "can't", "cannot", "can not", "won't", "will not", "couldn't", "decline",
    "refuse", "not something", "not going to", "as an ai"))

#: Declining, broadly: the responder saying it will not, cannot or would rather not (I don't
#: think I ..., I'm not comfortable, I'd rather not, I won't ..., I don't condone ...).  Wider
#: than :data:`REFUSAL`, which needs an explicit refusal of a task.
DECLINING = Phrases(re.compile(
    r"\bi (?:don't|do not) (?:think i|want to|feel comfortable)\b"
    r"|\bi(?:'m| am) not (?:comfortable|going to|sure i|willing)\b"
    r"|\bi(?:'d| would) rather not\b"
    r"|\bi (?:can't|cannot|won't|will not|wouldn't|would not) "
    r"|\bnot something i\b"
    r"|\bi (?:don't|do not) (?:help|support|condone)\b"
    r"|\bi(?:'m| am) (?:not able|unable)\b"
    r"|\bi must decline\b|\bi refuse\b"
), ("i don't", "i do not", "i'm not", "i am not", "rather not", "can't", "cannot", "won't",
    "will not", "wouldn't", "would not", "not something i", "unable", "not able", "decline",
    "refuse"))

#: Unsafe-topic cue phrases that single words miss.
RISK_PHRASES = Phrases(re.compile(
    r"\b(?:pick(?:ing)? (?:a|the|their|his|her) lock|break(?:ing)? in(?:to)?|self-harm"
    r"|(?:kill|hurt|cut) (?:myself|yourself|himself|herself|someone)"
    r"|without (?:them|anyone|him|her) (?:knowing|noticing)|without getting caught"
    r"|avoid (?:detection|getting caught)|brute[- ]force|can't be traced|dark web)\b"
), ("lock", "break", "self-harm", "myself", "yourself", "himself", "herself", "someone",
    "without", "avoid", "brute", "traced", "dark web"))

#: A reply that opens by agreeing or going along (yes, sure, okay, alright, of course, well
#: ...): matched at the start of the lowercase reply, after any spaces and punctuation.
AGREEING_OPENING = re.compile(
    r"\W*(?:yes|yeah|yep|sure|alright|all right|absolutely|certainly|definitely|of course"
    r"|ok|okay|well)\b")
