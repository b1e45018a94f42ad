from strangler.service.wsgi import wsgi_application

application = wsgi_application("analytics", "extracted.analytics.service.settings")
