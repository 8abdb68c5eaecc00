"""Vocabulary for generated articles: common English first, policy terms, then a long tail.

Words are drawn with Zipf-like weights (common words often, rare words seldom), so full-text
queries match realistic shares of the archive: a few common terms match most articles,
a specific term or name a few hundred.
"""

import random

COMMON = """
the of and to in a is that for on as with by it at from this be are an was which have
has not its or but their been more will also than they were would these into other new
can about such its over after between could may first two some only most while because
under since during against both through year years where those however even many well
""".split()

POLICY = """
energy gas oil pipeline corridor transit export import market price prices supply demand
security region regional government ministry minister president parliament election
policy policies reform reforms economy economic growth investment investors trade tariff
sanctions agreement treaty summit negotiations talks dialogue cooperation partnership
infrastructure railway port ports shipping logistics freight route routes connectivity
caspian sea basin shelf offshore field fields reserves production output barrels cubic
meters refinery terminal terminals hub hubs interconnector grid electricity renewable
renewables solar wind hydrogen hydropower nuclear climate emissions transition carbon
water drought irrigation agriculture wheat cotton food inflation currency bank banks
central monetary fiscal budget debt loans finance financial capital fund funds sovereign
azerbaijan kazakhstan turkmenistan uzbekistan kyrgyzstan tajikistan georgia armenia
russia iran turkey china europe european union united states india pakistan afghanistan
baku astana ashgabat tashkent bishkek dushanbe tbilisi yerevan moscow tehran ankara
beijing brussels washington delhi islamabad kabul aktau turkmenbashi alat poti batumi
middle corridor belt road initiative north south transport international organization
shanghai collective treaty commonwealth independent states eurasian customs council
diplomacy diplomatic foreign affairs military defense defence army border borders
conflict peace settlement ceasefire mediation karabakh zangezur lachin enclave
migration migrants labor labour remittances workers employment unemployment wages
education universities students youth health hospitals pandemic vaccine population
media press freedom civil society rights governance corruption transparency courts
digital technology data internet cyber telecommunications satellite fiber cables
minerals mining uranium copper gold lithium rare earths critical materials metals
analysts analysis report reports scenario scenarios risk risks outlook forecast
strategic strategy interests influence power powers rivalry competition balance
multilateral bilateral trilateral format formats platform initiative initiatives
""".split()

SYLLABLES = "ka ra to mi su ne lo ba de vi sha zan kor tel mur gan pes dor lin qa".split()


def vocabulary(size=6000, seed=7):
    """Common and policy words, then invented rare words, in frequency order."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(COMMON + POLICY))
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def zipf_weights(count, exponent=1.05):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


FIRST_NAMES = """
Aigerim Aliya Anar Arman Aziz Bahram Dana Daniyar Elnur Farida Gulnara Ilham Jamila Kamran
Laura Leyla Madina Murat Nargiz Nurlan Oksana Orkhan Parviz Rashid Samira Sanjar Tamara
Timur Ulviyya Vugar Zarina Zaur Emily James Sophie Thomas Anna David Maria Peter Elena
""".split()
LAST_NAMES = """
Abdullayev Aliyeva Bekova Dzhaksybekov Ismayilov Karimova Kenzhebayev Mammadov Nazarbek
Orazova Rahimov Safarova Suleymanov Tokayeva Umarov Yusupova Zhumabayev Hasanli Guliyev
Novak Fischer Laurent Rossi Bennett Carter Hoffmann Kowalski Petrov Sato Weber
""".split()
