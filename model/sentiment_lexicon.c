/*
 * sentiment_lexicon.c - TrendGuard's own sentiment word list.
 *
 * Written by the team for review text (products, food, films, service):
 * each group of words shares a valence on a -4..+4 scale. Words are lower
 * case; lookups also try a few suffix strippings (see sentiment.c). This is
 * not VADER's lexicon and not derived from any file in ../shared.
 */
#include "model_int.h"

#include <stddef.h>

static const tg_model__lexgroup groups[] = {
    {4.0, "superb outstanding excellent exceptional phenomenal flawless perfect perfectly "
          "masterpiece magnificent brilliant brilliantly incredible amazing amazingly awesome "
          "fantastic fabulous wonderful wonderfully marvelous marvellous spectacular stunning "
          "best greatest loved adore adored adores superbly impeccable"},
    {3.0, "great love loves loving lovely delicious tasty beautiful beautifully gorgeous "
          "terrific excellently extraordinary remarkable impressive impressed delightful "
          "delighted enjoyable enjoyed thrilled favorite favourite favorites recommend "
          "recommended highly happy happier happiest glad pleased pleasure joy charming "
          "hilarious funny fun fascinating captivating beautiful wow yummy exquisite "
          "fresh flavorful elegant solid outstandingly heartwarming touching moving"},
    {2.0, "good nice well fine cool pleasant friendly helpful comfortable comfy easy "
          "reliable sturdy quick fast prompt clean cute smart clever worth worthwhile "
          "satisfied satisfying satisfies works worked working handy useful effective "
          "enjoy enjoys like liked likes fan fans warm attentive courteous generous "
          "affordable reasonable bargain recommended authentic crisp crispy tender juicy "
          "professional polite fair right interesting entertaining decent "
          "gem treat better rocks rock excels excel adorable perfect convenient intuitive sharp "
          "bright clear loud "
          "durable fits fit compact light lightweight classic memorable win winner "
          "superior smooth sweet refreshing welcoming knowledgeable efficient value "
          "thanks thank excited exciting incredible stylish accurate responsive "
          "strong wise honest genuine unique creative original rich cozy relaxing"},
    {1.0, "ok okay decent adequate acceptable alright reasonable simple plenty "
          "recommend fine free pretty true hope work"},
    {-1.0, "forever forget drawback slow average mediocre meh ordinary plain bland basic long loud "
           "expensive pricey overpriced difficult hard odd strange weird noisy cold "
           "lacking lacks lack limited missing wait waited waiting confusing confused "
           "unfortunately sadly problem problems issue issues"},
    {-2.0, "bad poor poorly disappoint disappointing disappointed disappointment boring bored dull "
           "waste wasted wasting unhappy sad annoying annoyed annoyance rude unfriendly "
           "cheap cheaply flimsy broke broken breaks break cracked defective faulty "
           "fails failed failure fail useless worthless unreliable uncomfortable weak "
           "wrong mistake mistakes error errors dirty greasy soggy stale raw undercooked "
           "overcooked burnt tasteless flavorless salty dry cold lukewarm bitter "
           "refund return returned returning complaint complain complained hate "
           "hated hates dislike disliked junk crap garbage trash lame stupid silly "
           "pointless mess messy sloppy awkward unpleasant painful hurt hurts ugly "
           "fake annoy problem negative slow sucked sucks suck inferior difficult "
           "avoid regret regrets regretted sorry unacceptable unprofessional "
           "frustrating frustrated frustration disgrace shame shameful crappy "
           "worse overrated underwhelming predictable forgettable clumsy cheesy "
           "dead died dies drop dropped dropping lost lose loses losing poorer "
           "inadequate insult insulting mediocre questionable unusable flawed "
           "lousy flaw flaws misleading abhor embarrassing embarrassed whine breakage scratched "
           "scratches leak leaks leaking static hype hyped"},
    {-3.0, "terrible horrible awful dreadful disgusting gross nasty pathetic "
           "worst hideous atrocious abysmal appalling unbearable unwatchable "
           "inedible rubbish ridiculous outrageous furious angry disgusted "
           "horrendous sickening sick ill poisoning insulted scam ripoff "
           "incompetent nightmare disaster disastrous fiasco"},
    {-4.0, "abomination vile despicable"},
};

const tg_model__lexgroup *tg_model__lexicon_groups(size_t *n)
{
    *n = sizeof groups / sizeof groups[0];
    return groups;
}
