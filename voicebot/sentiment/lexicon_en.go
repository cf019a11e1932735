package sentiment

// lexEN is the English lexicon: word or phrase (lower case, up to three words) →
// valence and anger. Read-only after init.
var lexEN = map[string]entry{
	// positive
	"good": {2, 0}, "great": {3, 0}, "excellent": {3, 0}, "perfect": {3, 0}, "wonderful": {3, 0},
	"fantastic": {3, 0}, "amazing": {3, 0}, "awesome": {3, 0}, "lovely": {3, 0}, "nice": {2, 0},
	"fine": {1, 0}, "okay": {0, 0}, "happy": {3, 0}, "glad": {2, 0}, "pleased": {2, 0},
	"satisfied": {2, 0}, "thanks": {2, 0}, "thank": {2, 0}, "appreciate": {2, 0}, "grateful": {3, 0},
	"helpful": {2, 0}, "kind": {2, 0}, "fair": {1, 0}, "reasonable": {2, 0}, "interested": {2, 0},
	"like": {1, 0}, "love": {3, 0}, "enjoy": {2, 0}, "sure": {1, 0}, "agree": {2, 0},
	"works": {1, 0}, "settled": {1, 0}, "easy": {2, 0}, "convenient": {2, 0}, "polite": {2, 0},
	"hoping": {1, 0}, "hope": {1, 0}, "welcome": {2, 0}, "best": {2, 0}, "better": {1, 0},
	"right": {0, 0}, "sounds good": {3, 0}, "no problem": {2, 0}, "no worries": {2, 0},
	"of course": {1, 0}, "absolutely right": {2, 0}, "happy to": {2, 0}, "that works": {2, 0},
	"thank you": {3, 0}, "much appreciated": {3, 0}, "take care of": {1, 0}, "all good": {2, 0},
	"pleasure": {2, 0}, "delighted": {3, 0}, "brilliant": {3, 0}, "cool": {1, 0}, "yay": {2, 0},
	"calm": {1, 0}, "understand": {1, 0}, "patient": {2, 0}, "fine by me": {2, 0}, "deal": {1, 0},
	// negative
	"bad": {-2, 0}, "terrible": {-3, 1}, "awful": {-3, 1}, "horrible": {-3, 1}, "worst": {-3, 1},
	"poor": {-2, 0}, "wrong": {-2, 0}, "problem": {-2, 0}, "problems": {-2, 0}, "issue": {-1, 0},
	"unhappy": {-3, 0}, "sad": {-2, 0}, "disappointed": {-2, 0}, "disappointing": {-2, 0},
	"unsatisfied": {-2, 0}, "dissatisfied": {-2, 0}, "worried": {-2, 0}, "worry": {-2, 0},
	"afraid": {-2, 0}, "scared": {-2, 0}, "stressed": {-2, 0}, "confusing": {-2, 0}, "confused": {-2, 0},
	"expensive": {-2, 0}, "unfortunately": {-2, 0}, "sorry": {-1, 0}, "hard time": {-2, 0},
	"difficult": {-2, 0}, "struggling": {-2, 0}, "broke": {-2, 0}, "lost my job": {-3, 0},
	"cant afford": {-2, 0}, "cannot afford": {-2, 0}, "afford": {1, 0}, "refuse": {-2, 0},
	"complaint": {-2, 1}, "complain": {-2, 1}, "dispute": {-2, 0}, "unfair": {-2, 1},
	"mistake": {-2, 0}, "error": {-2, 0}, "late": {-1, 0}, "never agreed": {-3, 0},
	"stop calling": {-2, 0}, "dont call": {-2, 0}, "do not call": {-2, 0}, "too many calls": {-2, 1},
	"not interested": {-2, 0}, "waste": {-2, 1}, "wasting": {-2, 1}, "pointless": {-2, 1},
	"annoying": {-2, 2}, "annoyed": {-2, 2}, "irritating": {-2, 2}, "irritated": {-2, 2},
	"frustrated": {-2, 2}, "frustrating": {-2, 2}, "upset": {-2, 1}, "hate": {-3, 2},
	"dislike": {-2, 0}, "nonsense": {-2, 2}, "rude": {-2, 1}, "pathetic": {-3, 2},
	"fail": {-2, 0}, "failed": {-2, 0}, "useless": {-3, 2}, "incompetent": {-3, 2},
	"unacceptable": {-3, 2}, "ridiculous": {-3, 2}, "absurd": {-3, 2}, "outrageous": {-3, 3},
	"disgusting": {-3, 2}, "disgrace": {-3, 2}, "shameful": {-3, 2}, "insane": {-2, 2},
	// anger and hostility
	"angry": {-3, 3}, "furious": {-4, 3}, "mad": {-3, 2}, "livid": {-4, 3}, "pissed": {-3, 3},
	"fed up": {-3, 2}, "sick and tired": {-3, 3}, "had enough": {-3, 2}, "enough": {-1, 1},
	"scam": {-3, 3}, "scammer": {-3, 3}, "scammers": {-3, 3}, "fraud": {-3, 3}, "liar": {-3, 3},
	"liars": {-3, 3}, "lying": {-3, 2}, "thief": {-3, 3}, "thieves": {-3, 3}, "crooks": {-3, 3},
	"harass": {-3, 3}, "harassing": {-3, 3}, "harassment": {-3, 3}, "threaten": {-3, 3},
	"idiot": {-3, 3}, "idiots": {-3, 3}, "stupid": {-3, 2}, "moron": {-3, 3}, "dumb": {-2, 2},
	"damn": {-2, 2}, "damned": {-2, 2}, "hell": {-2, 2}, "what the hell": {-3, 3}, "bloody": {-2, 2},
	"crap": {-2, 2}, "shit": {-3, 3}, "fuck": {-4, 3}, "fucking": {-4, 3}, "bullshit": {-3, 3},
	"shut up": {-3, 3}, "get lost": {-3, 3}, "leave me alone": {-3, 2}, "go away": {-2, 2},
	"kidding me": {-2, 2}, "are you kidding": {-2, 2}, "joke": {-1, 1}, "a joke": {-2, 2},
	"lawyer": {-2, 2}, "attorney": {-2, 2}, "sue": {-3, 3}, "police": {-2, 2}, "report you": {-3, 3},
	"manager": {-1, 1}, "supervisor": {-1, 1}, "scream": {-3, 3}, "screaming": {-3, 3}, "yelling": {-2, 2},
	"hundred times": {-2, 2}, "third call": {-1, 1}, "already paid": {-1, 1}, "again": {0, 0},
	"you people": {-1, 2}, "wasting my time": {-3, 3}, "how dare": {-3, 3}, "sick of": {-3, 2},
	"tired of": {-2, 2}, "stop harassing": {-3, 3}, "rip off": {-3, 3}, "ripoff": {-3, 3},
}

// negEN are the English negators: they flip the next entry within three words.
var negEN = map[string]bool{
	"not": true, "no": true, "never": true, "nothing": true, "nobody": true, "none": true,
	"neither": true, "nor": true, "without": true, "hardly": true, "barely": true,
	"dont": true, "doesnt": true, "didnt": true, "isnt": true, "arent": true, "wasnt": true,
	"werent": true, "cant": true, "cannot": true, "couldnt": true, "wont": true, "wouldnt": true,
	"shouldnt": true, "havent": true, "hasnt": true, "hadnt": true, "aint": true,
}

// intensEN scale the next entry.
var intensEN = map[string]bool{
	"very": true, "really": true, "so": true, "extremely": true, "absolutely": true, "totally": true,
	"completely": true, "incredibly": true, "super": true, "too": true, "utterly": true, "such": true,
	"truly": true, "highly": true, "deeply": true, "seriously": true,
}
