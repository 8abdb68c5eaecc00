import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpc_site.settings")
application = get_wsgi_application()

# What loading the project made (modules, models, settings: about 170,000 objects) lives as
# long as the process: kept out of the garbage collector's full passes, each of which would
# otherwise look at all of it again (about 90 ms, a pause in whichever request it falls on).
gc.freeze()
