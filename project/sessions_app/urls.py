from django.urls import path, re_path

from . import views, views_security, views_state

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("session/<str:key>/", views.session_value, name="session-value"),
    path("whoami/", views.whoami, name="whoami"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.change_password, name="change-password"),
    path("flush/", views.flush, name="flush"),
    path("cart/", views.cart, name="cart"),
    path("cart/add/<str:item>/", views.cart_add, name="cart-add"),
    path("rich/<str:kind>/", views.rich_set, name="rich-set"),
    path("rich/<str:kind>/read/", views_state.rich_read, name="rich-read"),
    path("untouched/", views_state.untouched, name="untouched"),
    path("cart/add-marked/<str:item>/", views_state.cart_add_marked, name="cart-add-marked"),
    path("when/set/", views_state.when_set, name="when-set"),
    path("when/", views_state.when_read, name="when-read"),
    path("int-key/set/", views.int_key_set, name="int-key-set"),
    path("int-key/", views.int_key_get, name="int-key-get"),
    re_path(r"^expiry/(?P<seconds>-?\d+)/$", views.set_expiry, name="set-expiry"),
    path("token/<int:size>/", views_security.store_token, name="store-token"),
    path("messages/add/", views.add_message, name="add-message"),
    path("async/session/<str:key>/", views.async_session_sync_access, name="async-sync"),
    path("async/aget/<str:key>/", views.async_session_aget, name="async-aget"),
    path("async/aset/<str:key>/", views.async_session_aset, name="async-aset"),
]
