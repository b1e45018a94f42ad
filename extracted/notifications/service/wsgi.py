from strangler.service.wsgi import wsgi_application

application = wsgi_application("notifications", "extracted.notifications.service.settings")
