from django.urls import path, re_path

from . import views

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("session/<str:key>/", views.session_value, name="session-value"),
    path("session/<str:key>/delete/", views.session_delete, name="session-delete"),
    path("whoami/", views.whoami, name="whoami"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.change_password, name="change-password"),
    path("flush/", views.flush, name="flush"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/<str:item>/", views.cart_add, name="cart-add"),
    path("rich/<str:kind>/", views.rich_set, name="rich-set"),
    path("int-key/set/", views.int_key_set, name="int-key-set"),
    path("int-key/", views.int_key_get, name="int-key-get"),
    re_path(r"^expiry/(?P<seconds>-?\d+)/$", views.set_expiry, name="set-expiry"),
    path("big/<int:size>/", views.store_big, name="store-big"),
    path("messages/add/", views.add_message, name="add-message"),
    path("messages/", views.read_messages, name="read-messages"),
    path("async/session/<str:key>/", views.async_session_sync_access, name="async-sync"),
    path("async/aget/<str:key>/", views.async_session_aget, name="async-aget"),
    path("async/aset/<str:key>/", views.async_session_aset, name="async-aset"),
]
