from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from monolith.catalog.models import Category, Product, ProductSales
from strangler.admin import ReadOnlyAdminMixin


class HasProductsFilter(admin.SimpleListFilter):
    title = "products"
    parameter_name = "has_products"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "With products"), ("no", "Empty")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Category]) -> QuerySet[Category]:
        if self.value() == "yes":
            return queryset.filter(products__isnull=False).distinct()
        if self.value() == "no":
            return queryset.filter(products__isnull=True)
        return queryset


class ProductInline(admin.TabularInline):
    model = Product
    fields = ("sku", "name", "price", "is_active")
    readonly_fields = ("sku", "name", "price", "is_active")
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug", "description")
    list_filter = (HasProductsFilter,)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ProductInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description="products", ordering="_product_count")
    def product_count(self, obj: Category) -> int:
        return obj._product_count  # type: ignore[attr-defined]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "currency", "is_active", "updated_at")
    list_display_links = ("sku", "name")
    list_editable = ("price", "is_active")
    list_filter = ("is_active", "category", "currency")
    list_select_related = ("category",)
    search_fields = ("sku", "name", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "updated_at")
    ordering = ("category__name", "name")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("sku", "name", "slug", "category", "description")}),
        ("Price and availability", {"fields": ("price", "currency", "is_active")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )


@admin.register(ProductSales)
class ProductSalesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Counted from the order events, never edited by hand."""

    list_display = ("sku", "units_sold", "updated_at")
    search_fields = ("sku",)
    ordering = ("-units_sold", "sku")
